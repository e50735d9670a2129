/// What a chunker knows about the chunk it is building.
struct ChunkMeta {
    var kind: ChunkKind
    var isKeyframe: Bool
    var presentationTime: MediaTime?

    static let opaque = ChunkMeta(kind: .opaque, isKeyframe: false, presentationTime: nil)
}

/// Hashes the stream in order and turns cut decisions into chunks.
///
/// Scanners hash lazily (in spans between decisions) and decide cuts at positions they have
/// hashed up to. When a cut can only be decided after more bytes (an access unit's first slice
/// comes after its parameter sets; a box header straddles two pieces), the scanner marks a
/// *candidate*: the hasher forks there (a struct copy, no heap), both halves keep hashing, and
/// the candidate is later confirmed (a chunk ends there) or dropped. No payload is copied.
struct ChunkAssembler {
    /// Bytes hashed so far: the absolute stream offset of the next byte to hash.
    private(set) var position: UInt64 = 0
    private(set) var chunkStart: UInt64 = 0
    var meta = ChunkMeta.opaque
    private var hasher = XXH3Hasher()
    private(set) var hasCandidate = false
    private(set) var candidateStart: UInt64 = 0
    private var frozen = XXH3Hasher()
    private var fork = XXH3Hasher()
    /// With checksums off (boundary-scan benchmarks) the hashers are never fed; chunks carry 0.
    let computesChecksums: Bool

    init(computesChecksums: Bool) {
        self.computesChecksums = computesChecksums
    }

    /// Bytes of the current chunk hashed so far.
    var currentLengthBytes: UInt64 { position - chunkStart }

    @inline(__always)
    mutating func hash(_ p: UnsafeRawPointer, count: Int) {
        if count <= 0 { return }
        if computesChecksums {
            hasher.update(p, count: count)
            if hasCandidate { fork.update(p, count: count) }
        }
        position &+= UInt64(count)
    }

    /// Hashes `count` zero bytes (held back by a scanner as a count, not a copy).
    mutating func hashZeros(count: Int) {
        let zeros: (UInt64, UInt64) = (0, 0)
        withUnsafeBytes(of: zeros) { hash($0.baseAddress!, count: count) }
    }

    /// A cut may happen at the current position; decided later by confirm or drop.
    /// A candidate already open stays (it is earlier).
    mutating func markCandidate() {
        if hasCandidate { return }
        hasCandidate = true
        candidateStart = position
        if computesChecksums {
            frozen = hasher
            fork.reset()
        }
    }

    mutating func dropCandidate() {
        hasCandidate = false
    }

    /// Ends the current chunk at the open candidate; the new chunk gets `newMeta`.
    mutating func confirmCandidate(_ newMeta: ChunkMeta, emit: (Chunk) -> Void) {
        precondition(hasCandidate, "no candidate to confirm")
        hasCandidate = false
        if candidateStart > chunkStart {
            emit(makeChunk(end: candidateStart, checksum: computesChecksums ? frozen.digest() : 0))
        }
        if computesChecksums { hasher = fork }
        chunkStart = candidateStart
        meta = newMeta
    }

    /// Ends the current chunk at the current position (or at an open candidate there).
    mutating func cut(_ newMeta: ChunkMeta, emit: (Chunk) -> Void) {
        if hasCandidate {
            if candidateStart == position {
                confirmCandidate(newMeta, emit: emit)
                return
            }
            hasCandidate = false
        }
        if position > chunkStart {
            emit(makeChunk(end: position, checksum: computesChecksums ? hasher.digest() : 0))
        }
        hasher.reset()
        chunkStart = position
        meta = newMeta
    }

    /// Emits the last chunk.
    mutating func finish(emit: (Chunk) -> Void) {
        hasCandidate = false
        if position > chunkStart {
            emit(makeChunk(end: position, checksum: computesChecksums ? hasher.digest() : 0))
        }
        hasher.reset()
        chunkStart = position
    }

    private func makeChunk(end: UInt64, checksum: UInt64) -> Chunk {
        Chunk(
            offsetBytes: chunkStart, lengthBytes: end - chunkStart, kind: meta.kind,
            isKeyframe: meta.isKeyframe, presentationTime: meta.presentationTime, checksum: checksum)
    }
}
