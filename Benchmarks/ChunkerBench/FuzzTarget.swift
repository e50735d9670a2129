#if canImport(Chunker)
import Chunker
#endif

// The libFuzzer entry point for the chunker (built by `make -C Benchmarks chunker-fuzz` with
// `swiftc -sanitize=fuzzer`; in the benchmark binary it is never called). The first byte picks
// the target; the rest is the input. Each scanner must not crash, must tile the input, and
// must give the same chunks whether fed whole or in pieces sized by the input's own bytes.
// The header parser must not crash, and anything it accepts must re-encode to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func chunkerFuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let selector = data[0] % 5
    let body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    if selector == 4 {
        if let header = try? ChunkFrameHeader.parse(body) {
            let again = header.encoded
            for i in 0..<again.count where again[i] != body[i] { fatalError("accepted header does not re-encode") }
        }
        return 0
    }
    let format = ChunkFormat.allCases[Int(selector)]
    var whole: [Chunk] = []
    var a = AnyChunker(format: format)
    a.feed(body) { whole.append($0) }
    let endA = a.finish { whole.append($0) }
    var split: [Chunk] = []
    var b = AnyChunker(format: format)
    var i = 0
    var k = 0
    while i < body.count {
        let n = min(body.count - i, Int(body[k % body.count] % 31) + 1)
        b.feed(UnsafeRawBufferPointer(rebasing: body[i..<(i + n)])) { split.append($0) }
        i += n
        k += 1
    }
    let endB = b.finish { split.append($0) }
    if whole != split || endA != endB { fatalError("chunks depend on piece sizes (\(format))") }
    var offset: UInt64 = 0
    for c in whole {
        if c.offsetBytes != offset || c.lengthBytes == 0 { fatalError("chunks do not tile the input") }
        let h = XXH3.hash64(UnsafeRawBufferPointer(rebasing: body[Int(c.offsetBytes)..<Int(c.endOffsetBytes)]))
        if h != c.checksum { fatalError("checksum mismatch") }
        offset = c.endOffsetBytes
    }
    if offset != UInt64(body.count) { fatalError("chunks do not cover the input") }
    if body.count > 0 {
        let p = body.baseAddress!
        if ByteScan.firstStartCode(p, from: 0, end: body.count) != ByteScan.firstStartCodeScalar(p, from: 0, end: body.count) {
            fatalError("start-code scanners disagree")
        }
        if ByteScan.firstIndex(of: 0x47, in: p, from: 0, end: body.count) != ByteScan.firstIndexScalar(of: 0x47, in: p, from: 0, end: body.count) {
            fatalError("byte scanners disagree")
        }
        if XXH3.hash64(body) != XXH3.scalarHash64(body) { fatalError("XXH3 SIMD and scalar disagree") }
    }
    return 0
}
