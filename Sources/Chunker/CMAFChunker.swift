/// Cuts CMAF / fragmented MP4 at fragment boundaries: a chunk is one `moof` + `mdat` (with any
/// `styp`, `sidx`, `prft` or `emsg` boxes just before the `moof`); the initialisation segment
/// (`ftyp` + `moov`) is a chunk of its own.
///
/// Only top-level box headers are read, except `moov` (track ids, timescales, handlers,
/// default sample flags) and `moof` (first-sample flags → keyframe, `tfdt` → presentation
/// time), which are copied into one reusable buffer to be parsed; `mdat` payload is never
/// touched except by the checksum.
public struct CMAFChunker: StreamChunker {
    /// `moof`/`moov` boxes larger than this are not parsed (their chunk gets no keyframe flag
    /// or time); the buffer never grows past it.
    public let maxParsedBoxBytes: Int

    var assembler: ChunkAssembler
    private var streamOffset: UInt64 = 0
    private var state = State.header
    /// The current top-level box header, collected across pieces.
    private var header = SIMD16<UInt8>()
    private var headerCount = 0
    private var boxStart: UInt64 = 0
    private var boxType: UInt32 = 0
    /// Whether the current chunk already holds a `moof` or `moov`.
    private var chunkHasFragment = false
    private var parseBuffer: BoxBuffer
    private var tracks = CMAFTrackTable()
    private var malformed: (reason: String, atOffsetBytes: UInt64)?

    private enum State {
        case header
        /// Payload not looked at; `remaining` bytes to go (`UInt64.max`: to end of stream).
        case skipping(remaining: UInt64)
        /// Payload copied for parsing (moof/moov).
        case collecting(remaining: Int)
        case malformed
    }

    public init(maxParsedBoxBytes: Int = 4 << 20, computesChecksums: Bool = true) {
        self.maxParsedBoxBytes = maxParsedBoxBytes
        self.assembler = ChunkAssembler(computesChecksums: computesChecksums)
        self.parseBuffer = BoxBuffer()
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Chunk) -> Void) {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return }
        let n = bytes.count
        var i = 0
        var hashedTo = 0
        while i < n {
            switch state {
            case .malformed:
                i = n
            case .skipping(let remaining):
                let take = UInt64(n - i) < remaining ? n - i : Int(remaining)
                i += take
                state = remaining == .max ? .skipping(remaining: .max) : (remaining == UInt64(take) ? .header : .skipping(remaining: remaining - UInt64(take)))
            case .collecting(let remaining):
                let take = min(remaining, n - i)
                parseBuffer.append(p + i, count: take)
                i += take
                if take == remaining {
                    state = .header
                    boxComplete()
                } else {
                    state = .collecting(remaining: remaining - take)
                }
            case .header:
                if headerCount == 0 {
                    boxStart = streamOffset + UInt64(i)
                    // Hash up to the box start: a cut may happen here.
                    assembler.hash(p + hashedTo, count: i - hashedTo)
                    hashedTo = i
                }
                let needed = headerCount >= 8 && header.sizeField == 1 ? 16 : 8
                while headerCount < needed && i < n {
                    header[headerCount] = p.load(fromByteOffset: i, as: UInt8.self)
                    headerCount += 1
                    i += 1
                }
                if headerCount < needed {
                    // Header straddles the piece: keep the cut possible at boxStart.
                    assembler.markCandidate()
                    break
                }
                if needed == 8 && header.sizeField == 1 {
                    // A 64-bit size follows; if it is in the next piece, keep the cut possible.
                    if i == n { assembler.markCandidate() }
                    continue
                }
                headerDone(emit: emit)
            }
        }
        assembler.hash(p + hashedTo, count: n - hashedTo)
        streamOffset += UInt64(n)
    }

    @discardableResult
    public mutating func finish(emit: (Chunk) -> Void) -> ChunkStreamEnd {
        assembler.finish(emit: emit)
        if let malformed { return .malformed(reason: malformed.reason, atOffsetBytes: malformed.atOffsetBytes) }
        let type = fourCCString(boxType)
        switch state {
        case .header where headerCount > 0:
            return .truncated(unit: "box header", atOffsetBytes: boxStart, missingBytes: UInt64(8 - min(headerCount, 8)))
        case .skipping(let remaining) where remaining != .max:
            return .truncated(unit: "box '\(type)'", atOffsetBytes: boxStart, missingBytes: remaining)
        case .collecting(let remaining):
            return .truncated(unit: "box '\(type)'", atOffsetBytes: boxStart, missingBytes: UInt64(remaining))
        default:
            return .complete
        }
    }

    // MARK: - Boxes

    private mutating func headerDone(emit: (Chunk) -> Void) {
        let size32 = header.sizeField
        let type = header.typeField
        var headerBytes: UInt64 = 8
        var size = UInt64(size32)
        if size32 == 1 {
            size = header.largeSizeField
            headerBytes = 16
        }
        headerCount = 0
        boxType = type
        guard isPlausibleType(type), size32 == 0 || size >= headerBytes else {
            markMalformed(reason: "invalid box header", emit: emit)
            return
        }
        let startsFragment = Self.startsFragment(type)
        if startsFragment && chunkHasFragment {
            let meta = ChunkMeta(kind: .opaque, isKeyframe: false, presentationTime: nil)
            if assembler.hasCandidate { assembler.confirmCandidate(meta, emit: emit) } else { assembler.cut(meta, emit: emit) }
            chunkHasFragment = false
        } else if assembler.hasCandidate {
            assembler.dropCandidate()
        }
        switch type {
        case FourCC.ftyp:
            assembler.meta.kind = .cmafInit
        case FourCC.moov:
            assembler.meta.kind = .cmafInit
            chunkHasFragment = true
        case FourCC.moof:
            assembler.meta.kind = .cmafMedia
            chunkHasFragment = true
        default:
            break
        }
        let payload = size32 == 0 ? UInt64.max : size - headerBytes
        if (type == FourCC.moof || type == FourCC.moov) && size32 != 0 && size <= UInt64(maxParsedBoxBytes) {
            // Copy-on-write: a copied chunker must not share the buffer it fills.
            if !isKnownUniquelyReferenced(&parseBuffer) { parseBuffer = BoxBuffer() }
            parseBuffer.reset(capacity: Int(payload))
            if payload == 0 { boxComplete() } else { state = .collecting(remaining: Int(payload)) }
        } else if payload == 0 {
            state = .header
        } else {
            state = .skipping(remaining: payload)
        }
    }

    private mutating func boxComplete() {
        parseBuffer.withBytes { box in
            if boxType == FourCC.moov {
                tracks.parseMovie(box)
            } else if boxType == FourCC.moof {
                let info = tracks.parseFragment(box)
                assembler.meta.isKeyframe = info.isKeyframe
                assembler.meta.presentationTime = info.decodeTime
            }
        }
    }

    private mutating func markMalformed(reason: String, emit: (Chunk) -> Void) {
        malformed = (reason, boxStart)
        state = .malformed
        if assembler.hasCandidate {
            assembler.confirmCandidate(.opaque, emit: emit)
        } else {
            assembler.cut(.opaque, emit: emit)
        }
    }

    private func isPlausibleType(_ t: UInt32) -> Bool {
        for shift in stride(from: 0, to: 32, by: 8) {
            let c = UInt8(truncatingIfNeeded: t >> UInt32(shift))
            if c < 0x20 || c > 0x7E { return false }
        }
        return true
    }

    /// Boxes that open a new chunk once the current one holds a `moof` or `moov`.
    static func startsFragment(_ type: UInt32) -> Bool {
        switch type {
        case FourCC.ftyp, FourCC.styp, FourCC.sidx, FourCC.prft, FourCC.emsg, FourCC.moof, FourCC.moov: true
        default: false
        }
    }
}

/// Four-character box codes as big-endian integers.
enum FourCC {
    static func code(_ s: StaticString) -> UInt32 {
        s.withUTF8Buffer { b in UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3]) }
    }
    static let ftyp = code("ftyp"), styp = code("styp"), sidx = code("sidx"), prft = code("prft")
    static let emsg = code("emsg"), moof = code("moof"), moov = code("moov"), mdat = code("mdat")
    static let free = code("free"), trak = code("trak"), tkhd = code("tkhd"), mdia = code("mdia")
    static let mdhd = code("mdhd"), hdlr = code("hdlr"), mvex = code("mvex"), trex = code("trex")
    static let traf = code("traf"), tfhd = code("tfhd"), tfdt = code("tfdt"), trun = code("trun")
    static let vide = code("vide")
}

func fourCCString(_ t: UInt32) -> String {
    var s = ""
    for shift in [24, 16, 8, 0] {
        let c = UInt8(truncatingIfNeeded: t >> UInt32(shift))
        s.append(c >= 0x20 && c <= 0x7E ? Character(Unicode.Scalar(c)) : "?")
    }
    return s
}

extension SIMD16<UInt8> {
    var sizeField: UInt32 { UInt32(self[0]) << 24 | UInt32(self[1]) << 16 | UInt32(self[2]) << 8 | UInt32(self[3]) }
    var typeField: UInt32 { UInt32(self[4]) << 24 | UInt32(self[5]) << 16 | UInt32(self[6]) << 8 | UInt32(self[7]) }
    var largeSizeField: UInt64 {
        var v: UInt64 = 0
        for i in 8..<16 { v = v << 8 | UInt64(self[i]) }
        return v
    }
}

/// A growable byte buffer reused for every parsed box: it allocates only when a box is larger
/// than any before it.
final class BoxBuffer {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 4096
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    func reset(capacity needed: Int) {
        count = 0
        if needed > capacity {
            storage.deallocate()
            capacity = max(needed, capacity * 2)
            storage = .allocate(byteCount: capacity, alignment: 16)
        }
    }

    func append(_ p: UnsafeRawPointer, count n: Int) {
        (storage + count).copyMemory(from: p, byteCount: n)
        count += n
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(UnsafeRawBufferPointer(start: storage, count: count))
    }
}
