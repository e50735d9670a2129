/// Bytes of each chunk at each rendition, as far as they are known ahead of the download.
///
/// A simulation knows every chunk's size; a live stream knows none of the future ones, so any
/// chunk outside the table is estimated from the rendition's nominal bitrate. Copying a table
/// shares its storage, so handing one to every decision allocates nothing.
public struct ChunkSizeTable: Sendable {
    /// The ladder whose nominal bitrates stand in for unknown sizes.
    public let ladder: BitrateLadder
    /// Media duration of one chunk in seconds.
    public let chunkDurationSeconds: Double
    // Rendition-major: storage[rendition * knownChunkCount + chunk].
    private let storage: [Double]
    /// Number of chunks whose sizes are known.
    public let knownChunkCount: Int

    /// A table with no known sizes: every chunk is `bitrate × duration`.
    public init(nominal ladder: BitrateLadder, chunkDurationSeconds: Double) {
        self.ladder = ladder
        self.chunkDurationSeconds = chunkDurationSeconds
        self.storage = []
        self.knownChunkCount = 0
    }

    /// A table of measured sizes, `bytesByRendition[rendition][chunk]`; nil unless there is one row
    /// per rendition, all of the same length, with no negative size.
    public init?(ladder: BitrateLadder, chunkDurationSeconds: Double, bytesByRendition: [[Double]]) {
        guard bytesByRendition.count == ladder.count, let n = bytesByRendition.first?.count,
              bytesByRendition.allSatisfy({ $0.count == n && $0.allSatisfy { $0 >= 0 } })
        else { return nil }
        self.ladder = ladder
        self.chunkDurationSeconds = chunkDurationSeconds
        self.storage = bytesByRendition.flatMap { $0 }
        self.knownChunkCount = n
    }

    /// Bytes of chunk `chunk` (0-based) at rendition `rendition`.
    @inlinable public func bytes(chunk: Int, rendition: Int) -> Double {
        if chunk >= 0, chunk < knownChunkCount {
            return knownBytes(chunk: chunk, rendition: rendition)
        }
        return ladder[rendition] * 1000 / 8 * chunkDurationSeconds
    }

    @usableFromInline func knownBytes(chunk: Int, rendition: Int) -> Double {
        storage[rendition &* knownChunkCount &+ chunk]
    }
}
