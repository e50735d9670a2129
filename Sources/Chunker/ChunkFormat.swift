/// The input kinds the chunker understands.
public enum ChunkFormat: String, Sendable, CaseIterable {
    /// CMAF / fragmented MP4.
    case cmaf
    /// MPEG transport stream.
    case ts
    /// Annex-B H.264 elementary stream.
    case annexBH264 = "h264"
    /// Annex-B HEVC elementary stream.
    case annexBHEVC = "hevc"

    /// Guesses the format from the first bytes of a stream (a few KiB are plenty), or `nil`.
    public static func detect(_ head: UnsafeRawBufferPointer) -> ChunkFormat? {
        let n = head.count
        if n >= 8 {
            let type = be32(head, 4)
            let size = be32(head, 0)
            if (size == 1 || size >= 8) && [FourCC.ftyp, FourCC.styp, FourCC.moov, FourCC.moof, FourCC.sidx].contains(type) {
                return .cmaf
            }
        }
        if let base = head.baseAddress {
            // TS: three sync bytes a packet apart within the first packet.
            var i = 0
            while i < min(n, 188) {
                if i + 376 < n && head[i] == 0x47 && head[i + 188] == 0x47 && head[i + 376] == 0x47 { return .ts }
                i += 1
            }
            // Annex-B: a start code near the start, then the NAL header says which codec.
            if let j = ByteScan.firstStartCodeScalar(base, from: 0, end: min(n, 1024)), j + 4 < n {
                return annexBCodec(base, count: n, firstStartCode: j)
            }
        }
        return nil
    }

    private static func annexBCodec(_ p: UnsafeRawPointer, count n: Int, firstStartCode: Int) -> ChunkFormat {
        // Vote over the first NAL headers: H.264 forbids the top bit and HEVC's layer/tid
        // byte (second header byte) has tid ≥ 1, so "xx 01" pairs point to HEVC.
        var h264 = 0
        var hevc = 0
        var from = firstStartCode
        let b = p.assumingMemoryBound(to: UInt8.self)
        var seen = 0
        while seen < 16, let j = ByteScan.firstStartCodeScalar(p, from: from, end: min(n, 1 << 16)) {
            let h = j + 3
            guard h + 1 < n else { break }
            let t264 = b[h] & 0x1F
            let t265 = (b[h] >> 1) & 0x3F
            if b[h] & 0x80 == 0 && [1, 5, 6, 7, 8, 9].contains(t264) { h264 += 1 }
            if b[h] & 0x81 == 0 && b[h + 1] == 1 && (t265 <= 21 || (32...40).contains(t265)) { hevc += 1 }
            from = h
            seen += 1
        }
        return hevc > h264 ? .annexBHEVC : .annexBH264
    }
}

/// A chunker for any ``ChunkFormat``: an enum over the three, so callers that pick the format
/// at run time pay a switch per piece, not an existential call.
public enum AnyChunker: StreamChunker {
    case cmaf(CMAFChunker)
    case ts(TSChunker)
    case annexB(AnnexBChunker)

    public init(format: ChunkFormat, computesChecksums: Bool = true) {
        switch format {
        case .cmaf: self = .cmaf(CMAFChunker(computesChecksums: computesChecksums))
        case .ts: self = .ts(TSChunker(computesChecksums: computesChecksums))
        case .annexBH264: self = .annexB(AnnexBChunker(codec: .h264, computesChecksums: computesChecksums))
        case .annexBHEVC: self = .annexB(AnnexBChunker(codec: .hevc, computesChecksums: computesChecksums))
        }
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Chunk) -> Void) {
        switch self {
        case .cmaf(var c): c.feed(bytes, emit: emit); self = .cmaf(c)
        case .ts(var c): c.feed(bytes, emit: emit); self = .ts(c)
        case .annexB(var c): c.feed(bytes, emit: emit); self = .annexB(c)
        }
    }

    @discardableResult
    public mutating func finish(emit: (Chunk) -> Void) -> ChunkStreamEnd {
        switch self {
        case .cmaf(var c): let r = c.finish(emit: emit); self = .cmaf(c); return r
        case .ts(var c): let r = c.finish(emit: emit); self = .ts(c); return r
        case .annexB(var c): let r = c.finish(emit: emit); self = .annexB(c); return r
        }
    }

    /// All chunks of a whole buffer (convenience for tests and tools; allocates the array).
    public static func chunks(of bytes: UnsafeRawBufferPointer, format: ChunkFormat) -> (chunks: [Chunk], end: ChunkStreamEnd) {
        var chunker = AnyChunker(format: format)
        var out: [Chunk] = []
        chunker.feed(bytes) { out.append($0) }
        let end = chunker.finish { out.append($0) }
        return (out, end)
    }
}
