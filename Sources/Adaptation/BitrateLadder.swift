/// The renditions a selector chooses between, as bitrates in ascending order.
///
/// A rendition index is a position in this ladder: 0 is the lowest bitrate.
public struct BitrateLadder: Sendable, Hashable {
    /// Bitrate of each rendition in kbit/s, strictly ascending.
    public let bitratesKbps: [Double]

    /// Creates a ladder; returns nil unless the bitrates are positive and strictly ascending
    /// and there is at least one.
    public init?(bitratesKbps: [Double]) {
        guard let first = bitratesKbps.first, first > 0 else { return nil }
        for i in bitratesKbps.indices.dropFirst() where !(bitratesKbps[i] > bitratesKbps[i - 1]) {
            return nil
        }
        self.bitratesKbps = bitratesKbps
    }

    /// The ladder of the standard ABR simulation model: 300 … 4300 kbit/s.
    public static let standard = BitrateLadder(bitratesKbps: [300, 750, 1200, 1850, 2850, 4300])!

    /// Number of renditions.
    @inlinable public var count: Int { bitratesKbps.count }

    /// Bitrate of rendition `index` in kbit/s.
    @inlinable public subscript(index: Int) -> Double { bitratesKbps[index] }

    /// The highest rendition whose bitrate is at most `throughputKbps`, or 0 when none is.
    public func highestIndex(notAbove throughputKbps: Double) -> Int {
        var chosen = 0
        for i in bitratesKbps.indices where bitratesKbps[i] <= throughputKbps { chosen = i }
        return chosen
    }
}
