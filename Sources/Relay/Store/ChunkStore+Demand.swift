import Dispatch

/// Demand for relayed renditions: a relay pulls a rendition only while players or peers read
/// it, so the store notes when each was last read (every media playlist request) and lets a
/// relay forget what it stopped pulling.
extension ChunkStore {
    /// Notes a read of a rendition that does not go through its playlist (a mesh peer's
    /// index poll).
    public func noteRead(stream: some StringProtocol, rendition: some StringProtocol) {
        self.lock.withLock { _ in
            self.streams[stream.storeKey]?.rendition(rendition)?.lastReadNanoseconds = DispatchTime.now().uptimeNanoseconds
        }
    }

    /// When the rendition was last read (uptime nanoseconds; 0 if never), nil if unknown.
    public func lastRead(stream: some StringProtocol, rendition: some StringProtocol) -> UInt64? {
        self.lock.withLock { _ in self.streams[stream.storeKey]?.rendition(rendition)?.lastReadNanoseconds }
    }

    /// Forgets a rendition's segments (its init section stays): a relay that stopped pulling
    /// it starts a new window when it pulls again. The first segment after carries
    /// `EXT-X-DISCONTINUITY` for players that kept the old playlist.
    public func clearWindow(stream: some StringProtocol, rendition: some StringProtocol) {
        self.lock.withLock { _ in
            guard let streamState = self.streams[stream.storeKey], let state = streamState.rendition(rendition) else { return }
            state.clearWindow()
            streamState.invalidatePlaylists()
        }
    }
}
