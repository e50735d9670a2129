/// Bounds of a ``ChunkStore``: the window is the only place chunks live, so these numbers
/// bound its memory whatever the input does.
public struct ChunkStoreConfiguration: Sendable, Hashable {
    /// Segments kept per rendition, counting the one being filled.
    public var windowSegments: Int = 6
    /// Most parts one segment may hold (a producer that never ends a segment is refused).
    public var maxPartsPerSegment: Int = 64
    /// Most payload bytes per rendition; older segments are evicted early to stay under it.
    public var maxBytesPerRendition: Int = 256 << 20
    /// Whether media playlists carry `EXT-X-PROGRAM-DATE-TIME` on each segment.
    public var programDateTime: Bool = true
    /// Whether the store also keeps each part in a sealed memfd, as the HTTP response to a
    /// `GET` of it, so the server sends parts with `sendfile(2)` instead of copying them into
    /// each socket. Costs each part's bytes a second time (shared memory, outside the heap)
    /// and a file descriptor per part in the window (Systemd/mutstream.service allows 65536);
    /// a part whose memfd the kernel refuses is served from its buffer.
    public var sealedPartFiles: Bool = true

    /// The defaults: 6 segments, 64 parts a segment, 256 MiB a rendition, with program
    /// date-time and sealed part files.
    public init() {}

    /// Creates a configuration.
    public init(
        windowSegments: Int = 6, maxPartsPerSegment: Int = 64, maxBytesPerRendition: Int = 256 << 20, programDateTime: Bool = true,
        sealedPartFiles: Bool = true
    ) {
        precondition(windowSegments >= 2, "the window must hold at least 2 segments")
        precondition(maxPartsPerSegment >= 1 && maxBytesPerRendition > 0)
        self.windowSegments = windowSegments
        self.maxPartsPerSegment = maxPartsPerSegment
        self.maxBytesPerRendition = maxBytesPerRendition
        self.programDateTime = programDateTime
        self.sealedPartFiles = sealedPartFiles
    }
}
