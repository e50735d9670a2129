/// Where a part sits on a rendition's timeline: (media sequence number, part index),
/// ordered lexicographically.
public struct PartPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Media sequence number of the segment.
    public var mediaSequence: Int
    /// Part index within the segment.
    public var partIndex: Int

    /// Creates a position.
    public init(mediaSequence: Int, partIndex: Int) {
        self.mediaSequence = mediaSequence
        self.partIndex = partIndex
    }

    public static func < (lhs: PartPosition, rhs: PartPosition) -> Bool {
        (lhs.mediaSequence, lhs.partIndex) < (rhs.mediaSequence, rhs.partIndex)
    }

    public var description: String { "\(self.mediaSequence).\(self.partIndex)" }
}

/// What a waiting request waits for.
public enum WaitTarget: Sendable, Hashable {
    /// This exact part (a part URL, typically the preload hint).
    case part(PartPosition)
    /// This segment, complete (a segment URL).
    case segment(Int)
    /// A playlist holding this part or any later one (`_HLS_msn` with `_HLS_part`).
    case playlistPart(PartPosition)
    /// A playlist holding this segment complete (`_HLS_msn` alone).
    case playlistSegment(Int)
}

/// How a wait ended.
public enum WaitOutcome: Sendable, Hashable {
    /// The target is available now.
    case ready
    /// The deadline passed first.
    case timedOut
    /// The target will never appear (evicted, skipped, stream ended or removed).
    case unavailable
}
