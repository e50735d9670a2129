import NIOCore

/// One rendition's window and waiters. Guarded by the store's lock; never escapes it.
final class RenditionState {
    let descriptor: RenditionDescriptor
    var initSection: ByteBuffer?
    /// Oldest first; contiguous media sequence numbers; at most one incomplete (the last).
    var segments: [StoredSegment] = []
    var byteCount = 0
    var pendingDiscontinuity = false
    /// Discontinuities evicted from the window so far (`EXT-X-DISCONTINUITY-SEQUENCE`).
    var discontinuitySequence = 0
    var waiters: [Waiter] = []
    var cachedPlaylist: ByteBuffer?
    var partsPublished: UInt64 = 0
    var segmentsEvicted: UInt64 = 0
    /// Longest segment seen, rounded, so TARGETDURATION never shrinks below an EXTINF.
    var longestSegmentRoundedSeconds = 0
    /// When a player or peer last asked for this rendition's playlist (uptime nanoseconds):
    /// a relay pulls a rendition only while it is read.
    var lastReadNanoseconds: UInt64 = 0

    init(descriptor: RenditionDescriptor) {
        self.descriptor = descriptor
    }

    /// Forgets every segment (a relay that stopped pulling the rendition): the next part
    /// appended starts a new window. Waiters stay and are answered by what comes next.
    func clearWindow() {
        if !self.segments.isEmpty { self.pendingDiscontinuity = true }
        self.segments = []
        self.byteCount = 0
        self.cachedPlaylist = nil
    }

    // Segments are created by their first part, so the last one is never empty.
    var lastPosition: PartPosition? { self.segments.last?.lastPosition }

    var lastCompleteMediaSequence: Int? {
        guard let last = self.segments.last else { return nil }
        if last.isComplete { return last.mediaSequence }
        return self.segments.count >= 2 ? self.segments[self.segments.count - 2].mediaSequence : nil
    }

    func segmentIndex(_ mediaSequence: Int) -> Int? {
        guard let first = self.segments.first else { return nil }
        let index = mediaSequence - first.mediaSequence
        return index >= 0 && index < self.segments.count ? index : nil
    }

    func part(_ position: PartPosition) -> ChunkPart? {
        guard let index = self.segmentIndex(position.mediaSequence) else { return nil }
        let parts = self.segments[index].parts
        return position.partIndex >= 0 && position.partIndex < parts.count ? parts[position.partIndex] : nil
    }

    /// Adds a part; returns false when it is out of order. Opening a new segment completes
    /// the previous one and evicts past the window.
    func append(
        _ part: ChunkPart, configuration: ChunkStoreConfiguration, programDateTimeMilliseconds: () -> Int64?
    ) throws(PublishRefusal) {
        if let last = self.segments.last, !last.isComplete, part.mediaSequence == last.mediaSequence {
            guard part.partIndex == last.parts.count else { throw .outOfOrder }
            guard last.parts.count < configuration.maxPartsPerSegment else { throw .tooManyParts }
        } else {
            guard part.partIndex == 0 else { throw .outOfOrder }
            if let last = self.segments.last {
                guard part.mediaSequence == last.mediaSequence + 1 else { throw .outOfOrder }
                self.completeLast()
            }
            self.segments.append(
                StoredSegment(
                    mediaSequence: part.mediaSequence, discontinuity: self.pendingDiscontinuity,
                    programDateTimeMilliseconds: programDateTimeMilliseconds()
                )
            )
            self.pendingDiscontinuity = false
        }
        let size = part.payload.readableBytes
        self.segments[self.segments.count - 1].parts.append(part)
        self.segments[self.segments.count - 1].durationSeconds += part.durationSeconds
        self.segments[self.segments.count - 1].byteCount += size
        self.byteCount += size
        self.partsPublished += 1
        self.evict(configuration: configuration)
    }

    func completeLast() {
        guard let last = self.segments.last, !last.isComplete else { return }
        self.segments[self.segments.count - 1].isComplete = true
        self.longestSegmentRoundedSeconds = max(
            self.longestSegmentRoundedSeconds, Int(last.durationSeconds.rounded())
        )
    }

    private func evict(configuration: ChunkStoreConfiguration) {
        while self.segments.count > configuration.windowSegments
            || (self.byteCount > configuration.maxBytesPerRendition && self.segments.count > 1)
        {
            let evicted = self.segments.removeFirst()
            self.byteCount -= evicted.byteCount
            self.segmentsEvicted += 1
            if evicted.discontinuity { self.discontinuitySequence += 1 }
        }
    }

    /// Whether a wait can end now, and how; nil to keep waiting.
    func evaluate(_ target: WaitTarget, streamEnded: Bool) -> WaitOutcome? {
        switch target {
        case .part(let position):
            if self.part(position) != nil { return .ready }
            if streamEnded { return .unavailable }
            if let first = self.segments.first, position.mediaSequence < first.mediaSequence { return .unavailable }
            if let index = self.segmentIndex(position.mediaSequence), self.segments[index].isComplete {
                return .unavailable
            }
            if let last = self.segments.last, position.mediaSequence < last.mediaSequence { return .unavailable }
            return nil
        case .segment(let mediaSequence):
            if let index = self.segmentIndex(mediaSequence) {
                if self.segments[index].isComplete { return .ready }
            } else if let first = self.segments.first, mediaSequence < first.mediaSequence {
                return .unavailable
            }
            return streamEnded ? .unavailable : nil
        case .playlistPart(let position):
            if let last = self.lastPosition, last >= position { return .ready }
            return streamEnded ? .ready : nil
        case .playlistSegment(let mediaSequence):
            if let complete = self.lastCompleteMediaSequence, complete >= mediaSequence { return .ready }
            return streamEnded ? .ready : nil
        }
    }

    /// Removes and returns the waiters whose wait can end now.
    func takeSatisfiedWaiters(streamEnded: Bool) -> [(Waiter, WaitOutcome)] {
        if self.waiters.isEmpty { return [] }
        var satisfied: [(Waiter, WaitOutcome)] = []
        self.waiters.removeAll { waiter in
            guard let outcome = self.evaluate(waiter.target, streamEnded: streamEnded) else { return false }
            satisfied.append((waiter, outcome))
            return true
        }
        return satisfied
    }
}

/// Why ``RenditionState/append(_:configuration:programDateTimeMilliseconds:)`` refused a part.
enum PublishRefusal: Error {
    case outOfOrder
    case tooManyParts
}
