import Dispatch
import NIOCore

/// What a playlist request with delivery directives (`_HLS_msn`, `_HLS_part`) should do.
public enum PlaylistRequestDecision: Sendable, Hashable {
    /// Serve the current playlist now.
    case ready
    /// Wait for this target (at most `timeoutSeconds`), then serve the playlist.
    case wait(WaitTarget, timeoutSeconds: Double)
    /// The directive asks too far beyond the live edge: 400 at once.
    case badRequest
    /// No such stream or rendition.
    case notFound
}

extension ChunkStore {
    /// The master playlist of a stream, cached until the stream changes; nil if unknown.
    public func masterPlaylist(stream: some StringProtocol) -> ByteBuffer? {
        self.lock.withLock { _ in
            guard let state = self.streams[stream.storeKey] else { return nil }
            if let cached = state.cachedMasterPlaylist { return cached }
            let rendered = ByteBuffer(string: MasterPlaylist.render(state.descriptor))
            state.cachedMasterPlaylist = rendered
            return rendered
        }
    }

    /// The current media playlist of a rendition, rendered once per change and shared by
    /// every request until the next; nil if unknown or before its first part.
    public func mediaPlaylist(stream: some StringProtocol, rendition: some StringProtocol) -> ByteBuffer? {
        self.lock.withLock { _ in
            guard let streamState = self.streams[stream.storeKey], let state = streamState.rendition(rendition),
                  !state.segments.isEmpty
            else { return nil }
            if let cached = state.cachedPlaylist { return cached }
            let rendered = ByteBuffer(
                string: MediaPlaylist.render(stream: streamState, rendition: state, programDateTime: self.configuration.programDateTime)
            )
            state.cachedPlaylist = rendered
            return rendered
        }
    }

    /// A rendition's init section, if set.
    public func initSection(stream: some StringProtocol, rendition: some StringProtocol) -> ByteBuffer? {
        self.lock.withLock { _ in
            self.streams[stream.storeKey]?.rendition(rendition)?.initSection
        }
    }

    /// One part's bytes, if in the window (the stored buffer itself, not a copy).
    public func part(stream: some StringProtocol, rendition: some StringProtocol, position: PartPosition) -> ByteBuffer? {
        self.lock.withLock { _ in
            self.streams[stream.storeKey]?.rendition(rendition)?.part(position)?.payload
        }
    }

    /// One part, if in the window: payload, sealed file and all (shared, not copied).
    func storedPart(stream: some StringProtocol, rendition: some StringProtocol, position: PartPosition) -> ChunkPart? {
        self.lock.withLock { _ in
            self.streams[stream.storeKey]?.rendition(rendition)?.part(position)
        }
    }

    /// A complete segment's parts, in order, if in the window; the array shares the store's
    /// storage (no copy). Its bytes are the parts' payloads concatenated.
    public func segmentParts(stream: some StringProtocol, rendition: some StringProtocol, mediaSequence: Int) -> [ChunkPart]? {
        self.lock.withLock { _ -> [ChunkPart]? in
            guard let state = self.streams[stream.storeKey]?.rendition(rendition),
                  let index = state.segmentIndex(mediaSequence), state.segments[index].isComplete
            else { return nil }
            return state.segments[index].parts
        }
    }

    /// The newest part of a rendition, nil before the first.
    public func lastPosition(stream: some StringProtocol, rendition: some StringProtocol) -> PartPosition? {
        self.lock.withLock { _ in self.streams[stream.storeKey]?.rendition(rendition)?.lastPosition }
    }

    /// Decides a media playlist request (RFC 8216bis §6.2.5.2). `maxWaitSeconds` caps the
    /// hold, which is otherwise three target durations.
    public func decidePlaylistRequest(
        stream: some StringProtocol, rendition: some StringProtocol, mediaSequence: Int?, partIndex: Int?,
        maxWaitSeconds: Double
    ) -> PlaylistRequestDecision {
        self.lock.withLock { _ -> PlaylistRequestDecision in
            guard let streamState = self.streams[stream.storeKey], let state = streamState.rendition(rendition) else {
                return .notFound
            }
            state.lastReadNanoseconds = DispatchTime.now().uptimeNanoseconds
            let descriptor = streamState.descriptor
            let timeout = min(maxWaitSeconds, 3 * Double(MediaPlaylist.targetDurationSeconds(stream: descriptor, rendition: state)))
            let target: WaitTarget
            if let mediaSequence {
                if let last = state.lastPosition {
                    if mediaSequence > last.mediaSequence + 2 { return .badRequest }
                    if let partIndex {
                        // The spec's Advance Part Limit: three seconds' worth of parts, at least three.
                        let limit = descriptor.partTargetSeconds < 1 ? Int((3 / descriptor.partTargetSeconds).rounded(.up)) : 3
                        let ahead = mediaSequence == last.mediaSequence ? partIndex - last.partIndex : partIndex + 1
                        if mediaSequence >= last.mediaSequence && ahead > limit { return .badRequest }
                    }
                }
                target = partIndex.map { .playlistPart(PartPosition(mediaSequence: mediaSequence, partIndex: $0)) }
                    ?? .playlistSegment(mediaSequence)
            } else {
                // A plain request before the first part waits for it rather than failing.
                target = .playlistPart(PartPosition(mediaSequence: Int.min, partIndex: 0))
            }
            return state.evaluate(target, streamEnded: streamState.hasEnded) != nil ? .ready : .wait(target, timeoutSeconds: timeout)
        }
    }

    /// The longest a request for a not-yet-produced part or segment should be held: three
    /// target durations, capped by `maxWaitSeconds`.
    public func mediaWaitSeconds(stream: some StringProtocol, rendition: some StringProtocol, maxWaitSeconds: Double) -> Double {
        self.lock.withLock { _ in
            guard let streamState = self.streams[stream.storeKey], let state = streamState.rendition(rendition) else { return 0 }
            return min(maxWaitSeconds, 3 * Double(MediaPlaylist.targetDurationSeconds(stream: streamState.descriptor, rendition: state)))
        }
    }

    /// Stream names with their producing flag, in the order they were added.
    public func readiness() -> [(stream: String, isProducing: Bool)] {
        self.lock.withLock { _ in
            self.streamOrder.compactMap { name in self.streams[name].map { (name, $0.isProducing) } }
        }
    }

    /// Sizes of every rendition's window, for metrics.
    public func statistics() -> [RenditionStatistics] {
        self.lock.withLock { _ in
            self.streamOrder.flatMap { name -> [RenditionStatistics] in
                guard let stream = self.streams[name] else { return [] }
                return stream.renditions.map { rendition in
                    RenditionStatistics(
                        stream: name, rendition: rendition.descriptor.name,
                        segments: rendition.segments.count,
                        parts: rendition.segments.reduce(0) { $0 + $1.parts.count },
                        payloadBytes: rendition.byteCount + (rendition.initSection?.readableBytes ?? 0),
                        waiters: rendition.waiters.count,
                        lastMediaSequence: rendition.lastPosition?.mediaSequence,
                        partsPublished: rendition.partsPublished,
                        segmentsEvicted: rendition.segmentsEvicted
                    )
                }
            }
        }
    }
}

/// One rendition's window sizes and counters.
public struct RenditionStatistics: Sendable, Hashable {
    /// Stream name.
    public var stream: String
    /// Rendition name.
    public var rendition: String
    /// Segments in the window (including the open one).
    public var segments: Int
    /// Parts in the window.
    public var parts: Int
    /// Payload bytes held: parts plus the init section.
    public var payloadBytes: Int
    /// Requests parked waiting for this rendition.
    public var waiters: Int
    /// Media sequence number of the newest part.
    public var lastMediaSequence: Int?
    /// Parts published since the stream was added.
    public var partsPublished: UInt64
    /// Segments evicted from the window since the stream was added.
    public var segmentsEvicted: UInt64
}
