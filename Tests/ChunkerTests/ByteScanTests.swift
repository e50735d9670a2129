import Chunker
import Testing

@Suite struct ByteScanTests {
    /// Bytes rich in zeros, ones and start codes, so every branch of the filters is hit.
    static func startCodeRich(_ n: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(state: seed)
        var b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for i in 0..<n {
            let r = Int.random(in: 0..<100, using: &rng)
            if r < 8 { b[i] = 0 } else if r < 11 { b[i] = 1 }
        }
        var k = 0
        while k + 3 < n {
            k += Int.random(in: 20...300, using: &rng)
            if k + 3 < n { b[k] = 0; b[k + 1] = 0; b[k + 2] = 1 }
        }
        return b
    }

    static func allStartCodes(_ raw: UnsafeRawBufferPointer, simd: Bool) -> [Int] {
        var found: [Int] = []
        var from = 0
        while true {
            let j = simd
                ? ByteScan.firstStartCode(raw.baseAddress!, from: from, end: raw.count)
                : ByteScan.firstStartCodeScalar(raw.baseAddress!, from: from, end: raw.count)
            guard let j else { return found }
            found.append(j)
            from = j + 1
        }
    }

    @Test func startCodeSIMDEqualsScalarForAllLengthsAndAlignments() {
        let bytes = Self.startCodeRich(512 + 64, seed: 5)
        bytes.withUnsafeBytes { raw in
            for alignment in 0..<32 {
                for length in 0...512 {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[alignment..<(alignment + length)])
                    guard slice.count > 0 else { continue }
                    let a = Self.allStartCodes(slice, simd: true)
                    let b = Self.allStartCodes(slice, simd: false)
                    if a != b {
                        Issue.record("length \(length) alignment \(alignment): \(a) != \(b)")
                        return
                    }
                }
            }
        }
    }

    @Test func startCodeScalarMatchesDefinition() {
        let bytes = Self.startCodeRich(4096, seed: 11)
        var expected: [Int] = []
        for j in 0..<(bytes.count - 2) where bytes[j] == 0 && bytes[j + 1] == 0 && bytes[j + 2] == 1 { expected.append(j) }
        bytes.withUnsafeBytes { raw in
            #expect(Self.allStartCodes(raw, simd: false) == expected)
            #expect(Self.allStartCodes(raw, simd: true) == expected)
        }
    }

    @Test func startCodeAtEveryPositionOfABlock() {
        // 460 bytes: one 256-byte step, one 128, one 64, then the scalar tail; every position.
        for position in 0..<457 {
            var bytes = [UInt8](repeating: 0xAA, count: 460)
            bytes[position] = 0; bytes[position + 1] = 0; bytes[position + 2] = 1
            bytes.withUnsafeBytes { raw in
                #expect(ByteScan.firstStartCode(raw.baseAddress!, from: 0, end: raw.count) == position)
            }
        }
    }

    @Test func firstIndexSIMDEqualsScalarForAllLengthsAndAlignments() {
        var rng = SplitMix64(state: 3)
        let bytes = (0..<600).map { _ in UInt8.random(in: 0...60, using: &rng) }
        bytes.withUnsafeBytes { raw in
            for alignment in 0..<32 {
                for length in 0...512 {
                    let base = raw.baseAddress! + alignment
                    for needle: UInt8 in [0x47, 0x00, 0x3C] {
                        let a = ByteScan.firstIndex(of: needle, in: base, from: 0, end: length)
                        let b = ByteScan.firstIndexScalar(of: needle, in: base, from: 0, end: length)
                        if a != b {
                            Issue.record("length \(length) alignment \(alignment) needle \(needle): \(String(describing: a)) != \(String(describing: b))")
                            return
                        }
                    }
                }
            }
        }
    }
}
