import NIOCore

/// One stream's renditions and flags. Guarded by the store's lock; never escapes it.
final class StreamState {
    let descriptor: StreamDescriptor
    /// In descriptor order.
    let renditions: [RenditionState]
    var isProducing = false
    var hasEnded = false
    var cachedMasterPlaylist: ByteBuffer?
    /// Wall-clock minus presentation time, in milliseconds, fixed by the first part after
    /// start or a discontinuity so every rendition maps a time to the same date.
    var wallClockOffsetMilliseconds: Int64?

    init(descriptor: StreamDescriptor) {
        self.descriptor = descriptor
        self.renditions = descriptor.renditions.map(RenditionState.init(descriptor:))
    }

    func rendition(_ name: some StringProtocol) -> RenditionState? {
        // Renditions are few (a handful): a scan beats hashing the name.
        self.renditions.first { $0.descriptor.name == name }
    }

    /// Every media playlist mentions every rendition (rendition reports), so any change
    /// invalidates all of them.
    func invalidatePlaylists() {
        for rendition in self.renditions {
            rendition.cachedPlaylist = nil
        }
    }
}
