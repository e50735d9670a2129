/// One segment in a rendition's window: its parts, in order.
struct StoredSegment: Sendable {
    let mediaSequence: Int
    /// Shared storage: handing this array to a request retains it, it does not copy it.
    var parts: [ChunkPart] = []
    var isComplete = false
    let discontinuity: Bool
    var durationSeconds = 0.0
    var byteCount = 0
    /// Wall-clock time of the first sample, in milliseconds since the Unix epoch.
    let programDateTimeMilliseconds: Int64?

    init(mediaSequence: Int, discontinuity: Bool, programDateTimeMilliseconds: Int64?) {
        self.mediaSequence = mediaSequence
        self.discontinuity = discontinuity
        self.programDateTimeMilliseconds = programDateTimeMilliseconds
    }

    var lastPosition: PartPosition? {
        self.parts.isEmpty ? nil : PartPosition(mediaSequence: self.mediaSequence, partIndex: self.parts.count - 1)
    }
}
