import Dispatch
/// What an `auto` playlist is rendered from: the candidate renditions' windows at one
/// instant, so that the session's choices and the text agree.
struct AutoWindow {
    struct Rendition {
        /// Shares the store's storage (a retain, not a copy).
        var segments: [StoredSegment]
        var discontinuitySequence: Int

        func segment(_ mediaSequence: Int) -> StoredSegment? {
            guard let first = self.segments.first else { return nil }
            let index = mediaSequence - first.mediaSequence
            return index >= 0 && index < self.segments.count ? self.segments[index] : nil
        }
    }

    /// Changes when the stream is removed and added again (a reload restarts numbering).
    var generation: ObjectIdentifier
    var descriptor: StreamDescriptor
    var hasEnded: Bool
    var programDateTime: Bool
    /// In ladder order.
    var renditions: [Rendition]
    /// `EXT-X-TARGETDURATION` over every candidate rendition: the playlist mixes them.
    var targetDurationSeconds: Int
}

extension ChunkStore {
    /// The stream's descriptor, nil if unknown.
    func descriptor(stream: some StringProtocol) -> StreamDescriptor? {
        self.lock.withLock { _ in self.streams[String(stream)]?.descriptor }
    }

    /// The windows of `ladder`'s renditions; nil if the stream is unknown or no longer has
    /// the ladder's renditions (then the caller rebuilds the ladder).
    func autoWindow(stream: some StringProtocol, ladder: AutoLadder) -> AutoWindow? {
        let now = DispatchTime.now().uptimeNanoseconds
        return self.lock.withLock { _ -> AutoWindow? in
            guard let state = self.streams[String(stream)] else { return nil }
            var renditions: [AutoWindow.Rendition] = []
            renditions.reserveCapacity(ladder.count)
            var targetDuration = 1
            for (position, storeIndex) in ladder.storeIndices.enumerated() {
                guard storeIndex < state.renditions.count,
                      state.renditions[storeIndex].descriptor.name == ladder.names[position]
                else { return nil }
                let rendition = state.renditions[storeIndex]
                // An auto session may switch to any rendition of its ladder: all are read.
                rendition.lastReadNanoseconds = now
                renditions.append(AutoWindow.Rendition(segments: rendition.segments, discontinuitySequence: rendition.discontinuitySequence))
                targetDuration = max(targetDuration, MediaPlaylist.targetDurationSeconds(stream: state.descriptor, rendition: rendition))
            }
            return AutoWindow(
                generation: ObjectIdentifier(state), descriptor: state.descriptor, hasEnded: state.hasEnded,
                programDateTime: self.configuration.programDateTime, renditions: renditions,
                targetDurationSeconds: targetDuration
            )
        }
    }
}
