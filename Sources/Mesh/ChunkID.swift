/// Names one chunk in the mesh: stream, rendition and its place on the rendition's timeline
/// (media sequence number, part index) — the same coordinates as the store's `PartPosition`.
public struct ChunkID: Sendable, Hashable, CustomStringConvertible {
    /// Stream name.
    public var stream: String
    /// Rendition name.
    public var rendition: String
    /// Media sequence number of the segment.
    public var mediaSequence: UInt64
    /// Part index within the segment.
    public var partIndex: UInt32

    /// Names a chunk.
    public init(stream: String, rendition: String, mediaSequence: UInt64, partIndex: UInt32) {
        self.stream = stream
        self.rendition = rendition
        self.mediaSequence = mediaSequence
        self.partIndex = partIndex
    }

    /// True when `self` comes after `other` on the same rendition's timeline.
    public func isAfter(_ other: ChunkID) -> Bool {
        (mediaSequence, partIndex) > (other.mediaSequence, other.partIndex)
    }

    public var description: String { "\(stream)/\(rendition)/\(mediaSequence).\(partIndex)" }
}
