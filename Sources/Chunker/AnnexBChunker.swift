/// The video codec of an Annex-B elementary stream.
public enum AnnexBCodec: Sendable, Hashable {
    case h264
    case hevc

    var chunkKind: ChunkKind { self == .h264 ? .annexBH264 : .annexBHEVC }
    /// NAL header bytes plus the byte holding the first-slice flag.
    var headerBytesNeeded: Int { self == .h264 ? 2 : 3 }
}

/// Cuts an Annex-B H.264/HEVC elementary stream before every access unit that begins with an
/// IDR/IRAP picture, or, once a chunk has reached `maxChunkBytes`, before the next access unit.
///
/// Start codes (`00 00 01`, `00 00 00 01`) are found with ``ByteScan/firstStartCode(_:from:end:)``.
/// An access unit starts at its first AUD/parameter-set/SEI NAL after a picture, or at a
/// picture's first slice when no such NAL precedes it; a chunk starts with the zero byte of a
/// 4-byte start code when there is one.
public struct AnnexBChunker: StreamChunker {
    public let codec: AnnexBCodec
    /// Past this size a chunk ends at the next access unit even without a keyframe.
    public let maxChunkBytes: UInt64

    var assembler: ChunkAssembler
    /// Stream offset of the first byte of the next piece.
    private var streamOffset: UInt64 = 0
    /// Zero bytes at the end of the data so far (at most 3), held back unhashed: they may
    /// belong to a start code that begins the next chunk.
    private var heldZeros = 0
    /// A start code whose NAL header had not fully arrived.
    private var pendingNAL: (nalStart: UInt64, headerStart: UInt64)?
    private var pendingHeader: (UInt8, UInt8, UInt8) = (0, 0, 0)
    private var pendingHeaderCount = 0
    /// Start of an access unit opened by a prefix NAL whose first slice is still to come.
    private var auStart: UInt64?
    private var lastWasVCL = true

    /// - Parameters:
    ///   - codec: H.264 or HEVC (``ChunkFormat/detect(_:)`` can tell).
    ///   - maxChunkBytes: the size bound (default 8 MiB).
    ///   - computesChecksums: false only for boundary-scan measurements (checksums are 0).
    public init(codec: AnnexBCodec, maxChunkBytes: UInt64 = 8 << 20, computesChecksums: Bool = true) {
        self.codec = codec
        self.maxChunkBytes = maxChunkBytes
        self.assembler = ChunkAssembler(computesChecksums: computesChecksums)
        self.assembler.meta = ChunkMeta(kind: codec.chunkKind, isKeyframe: false, presentationTime: nil)
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Chunk) -> Void) {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return }
        let n = bytes.count
        let base = streamOffset
        let b = p.assumingMemoryBound(to: UInt8.self)
        var cursor = 0

        // Finish a NAL header that straddled the previous piece.
        if pendingNAL != nil {
            while pendingHeaderCount < codec.headerBytesNeeded && cursor < n {
                switch pendingHeaderCount {
                case 0: pendingHeader.0 = b[cursor]
                case 1: pendingHeader.1 = b[cursor]
                default: pendingHeader.2 = b[cursor]
                }
                pendingHeaderCount += 1
                cursor += 1
            }
            if pendingHeaderCount < codec.headerBytesNeeded {
                hashPiece(p, upTo: n, base: base)
                streamOffset += UInt64(n)
                return
            }
            let nal = pendingNAL!
            pendingNAL = nil
            onNAL(nalStart: nal.nalStart, header: pendingHeader, p: p, base: base, emit: emit)
            // A candidate opened only for the straddling header and not used is dropped.
            if assembler.hasCandidate && auStart == nil { assembler.dropCandidate() }
        }

        // Start codes that straddle the boundary, using the held-back zeros. After a start
        // code the search resumes past its NAL header bytes, as it does for one inside a
        // piece, so header bytes are never read as part of another start code.
        var from = cursor
        if heldZeros >= 2 && b[0] == 1 {
            onStartCode(at: -2, earliest: -heldZeros, p: p, n: n, base: base, emit: emit)
            from = 1 + codec.headerBytesNeeded
        } else if heldZeros >= 1 && n >= 2 && b[0] == 0 && b[1] == 1 {
            onStartCode(at: -1, earliest: -heldZeros, p: p, n: n, base: base, emit: emit)
            from = 2 + codec.headerBytesNeeded
        }

        // Held-back zeros before the piece may still be a 4-byte start code's first byte.
        var earliest = from == 0 ? -heldZeros : from
        while pendingNAL == nil, from < n, let j = ByteScan.firstStartCode(p, from: from, end: n) {
            onStartCode(at: j, earliest: earliest, p: p, n: n, base: base, emit: emit)
            from = j + 3 + codec.headerBytesNeeded
            earliest = from
        }

        // Hold back trailing zeros (up to 3) unless a pending NAL already pins the hash. Only
        // bytes where a start code may still begin count.
        let eligible = min(from, n)
        var trailing = 0
        while trailing < 3 && trailing < n - eligible && b[n - 1 - trailing] == 0 { trailing += 1 }
        let newHeld = (eligible == 0 && trailing == n) ? min(heldZeros + n, 3) : trailing
        if pendingNAL == nil {
            let holdFrom = base + UInt64(n) - UInt64(newHeld)
            hashStream(upTo: holdFrom, p: p, base: base)
            heldZeros = newHeld
        } else {
            hashPiece(p, upTo: n, base: base)
        }
        streamOffset += UInt64(n)
    }

    @discardableResult
    public mutating func finish(emit: (Chunk) -> Void) -> ChunkStreamEnd {
        if heldZeros > 0 {
            assembler.hashZeros(count: heldZeros)
            heldZeros = 0
        }
        pendingNAL = nil
        assembler.finish(emit: emit)
        return .complete
    }

    // MARK: - Events

    /// A start code at piece-relative `j` (negative: it began in held-back zeros).
    /// `earliest`: where a start code (or its leading zero byte) may begin; bytes before it
    /// were the previous NAL's header.
    private mutating func onStartCode(at j: Int, earliest: Int, p: UnsafeRawPointer, n: Int, base: UInt64, emit: (Chunk) -> Void) {
        let b = p.assumingMemoryBound(to: UInt8.self)
        // A zero byte right before 00 00 01 makes it a 4-byte start code: the chunk starts there.
        let zeroBefore: Bool
        if j - 1 < earliest {
            zeroBefore = false
        } else if j - 1 >= 0 {
            zeroBefore = b[j - 1] == 0
        } else {
            zeroBefore = heldZeros >= -(j - 1)
        }
        let nalStart = UInt64(Int64(base) + Int64(j) - (zeroBefore ? 1 : 0))
        let headerAt = j + 3
        if headerAt + codec.headerBytesNeeded <= n {
            let header = (b[headerAt], b[headerAt + 1], codec == .hevc ? b[headerAt + 2] : 0)
            onNAL(nalStart: nalStart, header: header, p: p, base: base, emit: emit)
            return
        }
        // The header straddles the piece end: keep the cut possible at nalStart.
        pendingNAL = (nalStart, UInt64(Int64(base) + Int64(headerAt)))
        pendingHeaderCount = 0
        var k = headerAt
        while k < n {
            switch pendingHeaderCount {
            case 0: pendingHeader.0 = b[k]
            case 1: pendingHeader.1 = b[k]
            default: pendingHeader.2 = b[k]
            }
            pendingHeaderCount += 1
            k += 1
        }
        hashStream(upTo: nalStart, p: p, base: base)
        assembler.markCandidate()
    }

    private mutating func onNAL(
        nalStart: UInt64, header: (UInt8, UInt8, UInt8), p: UnsafeRawPointer, base: UInt64,
        emit: (Chunk) -> Void
    ) {
        let type: UInt8
        let isVCL: Bool
        let isIRAP: Bool
        let opensAU: Bool
        let firstSlice: Bool
        switch codec {
        case .h264:
            type = header.0 & 0x1F
            isVCL = type >= 1 && type <= 5
            isIRAP = type == 5
            opensAU = type == 9 || (type >= 6 && type <= 8) || (type >= 14 && type <= 18)
            firstSlice = header.1 & 0x80 != 0  // first_mb_in_slice == 0 (ue(v) "1")
        case .hevc:
            type = (header.0 >> 1) & 0x3F
            isVCL = type <= 31
            isIRAP = type >= 16 && type <= 23
            opensAU = (type >= 32 && type <= 35) || type == 39 || (type >= 41 && type <= 44)
                || (type >= 48 && type <= 55)
            firstSlice = header.2 & 0x80 != 0  // first_slice_segment_in_pic_flag
        }
        if opensAU {
            if auStart == nil && lastWasVCL {
                auStart = nalStart
                hashStream(upTo: nalStart, p: p, base: base)
                assembler.markCandidate()
            }
            lastWasVCL = false
            return
        }
        guard isVCL else { return }
        let start: UInt64?
        if let opened = auStart {
            start = opened
        } else if lastWasVCL && firstSlice {
            start = nalStart
        } else {
            start = nil
        }
        auStart = nil
        lastWasVCL = true
        guard let start else {
            if assembler.hasCandidate { assembler.dropCandidate() }
            return
        }
        let isStreamStart = start == 0
        let overSize = start - assembler.chunkStart >= maxChunkBytes
        let newMeta = ChunkMeta(kind: codec.chunkKind, isKeyframe: isIRAP, presentationTime: nil)
        if isStreamStart {
            assembler.dropCandidate()
            assembler.meta = newMeta
        } else if isIRAP || overSize {
            if assembler.hasCandidate && assembler.candidateStart == start {
                assembler.confirmCandidate(newMeta, emit: emit)
            } else {
                hashStream(upTo: start, p: p, base: base)
                assembler.cut(newMeta, emit: emit)
            }
        } else if assembler.hasCandidate {
            assembler.dropCandidate()
        }
    }

    // MARK: - Hashing

    /// Hashes the stream up to absolute `target` (≥ the held-back zeros, inside this piece).
    private mutating func hashStream(upTo target: UInt64, p: UnsafeRawPointer, base: UInt64) {
        if assembler.position >= target { return }
        if assembler.position < base {
            // Held-back zeros before this piece.
            let zeros = Int(min(base, target) - assembler.position)
            assembler.hashZeros(count: zeros)
            heldZeros -= zeros
        }
        if target > base {
            let from = Int(assembler.position - base)
            assembler.hash(p + from, count: Int(target - base) - from)
        }
    }

    private mutating func hashPiece(_ p: UnsafeRawPointer, upTo end: Int, base: UInt64) {
        hashStream(upTo: base + UInt64(end), p: p, base: base)
        heldZeros = 0
    }
}
