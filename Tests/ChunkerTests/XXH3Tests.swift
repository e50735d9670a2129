import Chunker
import Testing

@Suite struct XXH3Tests {
    static func pattern(_ n: Int, seed: UInt64 = 1) -> [UInt8] {
        var rng = SplitMix64(state: seed)
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    @Test func knownVectors() {
        // Values from `xxhsum -H3` (xxHash 0.8.1).
        #expect(XXH3.hash64([]) == 0x2d06_8005_38d3_94c2)
        #expect(XXH3.hash64(Array("abc".utf8)) == 0x78af_5f94_892f_3950)
    }

    @Test(arguments: [0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 255, 256, 257, 1023, 1024, 1025, 2049, 70_000])
    func equalsXxhsum(length: Int) {
        let bytes = Self.pattern(length, seed: UInt64(length))
        #expect(XXH3.hash64(bytes) == TestMedia.xxhsum(bytes))
    }

    @Test func simdEqualsScalarForAllLengthsAndAlignments() {
        let bytes = Self.pattern(512 + 32 + 64)
        bytes.withUnsafeBytes { raw in
            for alignment in 0..<32 {
                for length in 0...512 {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[alignment..<(alignment + length)])
                    let simd = XXH3.hash64(slice)
                    let scalar = XXH3.scalarHash64(slice)
                    if simd != scalar {
                        Issue.record("length \(length) alignment \(alignment): \(simd) != \(scalar)")
                        return
                    }
                }
            }
        }
    }

    @Test func simdEqualsScalarOnLargeRandomInputs() {
        var rng = SplitMix64(state: 99)
        for _ in 0..<20 {
            let bytes = Self.pattern(Int.random(in: 513...200_000, using: &rng), seed: rng.next())
            bytes.withUnsafeBytes { #expect(XXH3.hash64($0) == XXH3.scalarHash64($0)) }
        }
    }

    @Test func streamingEqualsOneShotWhateverThePieces() {
        var rng = SplitMix64(state: 7)
        for length in [0, 1, 17, 240, 241, 256, 257, 300, 1024, 1025, 4096, 100_003] {
            let bytes = Self.pattern(length, seed: UInt64(length) + 3)
            let expected = XXH3.hash64(bytes)
            for maxPiece in [1, 3, 64, 255, 257, 5000] {
                var hasher = XXH3Hasher()
                bytes.withUnsafeBytes { raw in
                    var i = 0
                    while i < raw.count {
                        let n = min(raw.count - i, Int.random(in: 1...maxPiece, using: &rng))
                        hasher.update(UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)]))
                        i += n
                    }
                }
                #expect(hasher.digest() == expected, "length \(length), pieces ≤ \(maxPiece)")
                #expect(hasher.totalBytes == UInt64(length))
            }
        }
    }

    @Test func forkedHasherContinuesIndependently() {
        let bytes = Self.pattern(3000)
        var a = XXH3Hasher()
        bytes.withUnsafeBytes { a.update(UnsafeRawBufferPointer(rebasing: $0[0..<1000])) }
        var b = a
        bytes.withUnsafeBytes { b.update(UnsafeRawBufferPointer(rebasing: $0[1000..<3000])) }
        #expect(a.digest() == XXH3.hash64(Array(bytes[0..<1000])))
        #expect(b.digest() == XXH3.hash64(bytes))
    }
}
