/// Which renditions of a stream a box relays to one downstream peer, from what is known of
/// that peer's link: the cheapest video rendition and every audio one always, then video
/// renditions upwards while the set's summed peak bitrate fits the link with headroom. A
/// rendition already offered stays until the set no longer fits without it at a higher bar,
/// so a throughput estimate that wobbles near a boundary does not flip the set (each change
/// makes the peer reconfigure). With no estimate yet every rendition is offered: the first
/// pulls measure the link.
public struct PeerRenditionPolicy: Sendable, Hashable {
    /// Share of the link the set may use when adding a rendition.
    public var addShare = 0.8
    /// Share of the link the set may use before an offered rendition is withdrawn.
    public var keepShare = 0.95

    /// The defaults.
    public init() {}

    /// The names to offer, in the catalog's order.
    public func offer(
        _ renditions: [CatalogRendition], throughputBitsPerSecond: Double?, current: Set<String>?
    ) -> [String] {
        guard let throughput = throughputBitsPerSecond, throughput > 0 else { return renditions.map(\.name) }
        var chosen = Set(renditions.filter { $0.kind != .video }.map(\.name))
        var used = renditions.filter { $0.kind != .video }.reduce(0.0) { $0 + Self.bitrate(of: $1) }
        let video = renditions.filter { $0.kind == .video }.sorted { Self.bitrate(of: $0) < Self.bitrate(of: $1) }
        for (position, rendition) in video.enumerated() {
            let share = current?.contains(rendition.name) == true ? keepShare : addShare
            guard position == 0 || used + Self.bitrate(of: rendition) <= share * throughput else { break }
            chosen.insert(rendition.name)
            used += Self.bitrate(of: rendition)
        }
        return renditions.map(\.name).filter(chosen.contains)
    }

    static func bitrate(of rendition: CatalogRendition) -> Double {
        Double(max(rendition.peakBitrateBitsPerSecond, rendition.averageBitrateBitsPerSecond))
    }
}
