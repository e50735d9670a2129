import Chunker
import Testing

/// The three chunkers on real encoder output.
@Suite struct ChunkerMediaTests {
    static func checkTiling(_ chunks: [Chunk], _ bytes: [UInt8]) {
        var offset: UInt64 = 0
        for c in chunks {
            #expect(c.offsetBytes == offset)
            #expect(c.lengthBytes > 0)
            offset = c.endOffsetBytes
        }
        #expect(offset == UInt64(bytes.count))
        bytes.withUnsafeBytes { raw in
            for c in chunks {
                let slice = UnsafeRawBufferPointer(rebasing: raw[Int(c.offsetBytes)..<Int(c.endOffsetBytes)])
                #expect(c.checksum == XXH3.hash64(slice))
            }
        }
    }

    static func checkSplitInvariance<C: StreamChunker>(_ bytes: [UInt8], _ make: () -> C) {
        let whole = chunk(bytes, with: make(), pieces: [bytes.count])
        var rng = SplitMix64(state: 42)
        for maxPiece in [1, 2, 3, 5, 17, 187, 188, 189, 4096, 65_537] {
            let sizes = maxPiece <= 3 ? [maxPiece] : randomSizes(&rng, max: maxPiece)
            let split = chunk(bytes, with: make(), pieces: sizes)
            #expect(split.chunks == whole.chunks, "pieces ≤ \(maxPiece)")
            #expect(split.end == whole.end)
        }
    }

    @Test func cmafCutsAtFragmentsWithInitFirst() {
        let bytes = TestMedia.cmaf
        let (chunks, end) = chunk(bytes, with: CMAFChunker(), pieces: [bytes.count])
        #expect(end == .complete)
        Self.checkTiling(chunks, bytes)
        #expect(chunks.first?.kind == .cmafInit)
        let media = chunks.dropFirst()
        #expect(media.count == TestMedia.keyframeCount)
        #expect(media.allSatisfy { $0.kind == .cmafMedia && $0.isKeyframe })
        // Each media chunk starts with moof; decode times rise, in the video timescale.
        bytes.withUnsafeBytes { raw in
            for c in media { #expect(String(decoding: raw[Int(c.offsetBytes + 4)..<Int(c.offsetBytes + 8)], as: UTF8.self) == "moof") }
        }
        let times = media.compactMap(\.presentationTime)
        #expect(times.count == media.count)
        #expect(times.first?.value == 0)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0.value < $1.value && $0.timescaleHz == $1.timescaleHz })
        #expect(abs(times.last!.seconds - 3.0) < 0.1)
    }

    @Test func cmafKeyframeFlagComesFromSampleFlags() {
        let bytes = TestMedia.cmafPartial
        let (chunks, _) = chunk(bytes, with: CMAFChunker(), pieces: [bytes.count])
        Self.checkTiling(chunks, bytes)
        let media = chunks.filter { $0.kind == .cmafMedia }
        #expect(media.count == 5 * TestMedia.keyframeCount)
        #expect(media.filter(\.isKeyframe).count == TestMedia.keyframeCount)
        #expect(media.first?.isKeyframe == true)
    }

    @Test func cmafSplitInvariance() {
        Self.checkSplitInvariance(TestMedia.cmaf) { CMAFChunker() }
        Self.checkSplitInvariance(TestMedia.cmafPartial) { CMAFChunker() }
    }

    @Test func tsCutsAtRandomAccessPointsWithTablesFirst() {
        let bytes = TestMedia.ts
        let (chunks, end) = chunk(bytes, with: TSChunker(), pieces: [bytes.count])
        #expect(end == .complete)
        Self.checkTiling(chunks, bytes)
        #expect(chunks.count == TestMedia.keyframeCount)
        #expect(chunks.allSatisfy { $0.kind == .transportStream && $0.isKeyframe })
        for c in chunks {
            // Starts on the packet grid with the tables (SDT PID 0x11 or PAT PID 0).
            let o = Int(c.offsetBytes)
            let pid = Int(bytes[o + 1] & 0x1F) << 8 | Int(bytes[o + 2])
            #expect(bytes[o] == 0x47 && (pid == 0 || pid == 0x11), "chunk at \(o) starts with PID \(pid)")
            #expect(c.presentationTime?.timescaleHz == 90_000)
        }
        let seconds = chunks.compactMap { $0.presentationTime?.seconds }
        #expect(zip(seconds, seconds.dropFirst()).allSatisfy { abs($1 - $0 - 1.0) < 0.01 })
    }

    @Test func tsResyncsAfterGarbage() {
        var rng = SplitMix64(state: 9)
        let ts = TestMedia.ts
        // Garbage in front and in the middle (not a packet multiple).
        let garbage = (0..<333).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let cut = 188 * 500 + 17
        let bytes = garbage + Array(ts[0..<cut]) + garbage + Array(ts[cut...])
        let (chunks, _) = chunk(bytes, with: TSChunker(), pieces: [bytes.count])
        Self.checkTiling(chunks, bytes)
        #expect(chunks.filter(\.isKeyframe).count == TestMedia.keyframeCount)
        Self.checkSplitInvariance(bytes) { TSChunker() }
    }

    @Test func tsSplitInvariance() {
        Self.checkSplitInvariance(TestMedia.ts) { TSChunker() }
    }

    @Test func tsSizeBoundCutsAtTheNextPacket() {
        let bytes = TestMedia.ts
        let bound: UInt64 = 30_000
        let (chunks, _) = chunk(bytes, with: TSChunker(maxChunkBytes: bound), pieces: [bytes.count])
        Self.checkTiling(chunks, bytes)
        #expect(chunks.filter(\.isKeyframe).count == TestMedia.keyframeCount)
        // A chunk ends at the first packet past the bound (or earlier, at a random-access
        // point); a run of tables just before it may hold the cut back by a packet or two.
        #expect(chunks.count > 10)
        #expect(chunks.allSatisfy { $0.lengthBytes < bound + 4 * 188 })
        Self.checkSplitInvariance(bytes) { TSChunker(maxChunkBytes: bound) }
    }

    @Test func tsTruncatedPacketIsReported() {
        let bytes = Array(TestMedia.ts[0..<(188 * 100 + 50)])
        let (chunks, end) = chunk(bytes, with: TSChunker(), pieces: [1000])
        Self.checkTiling(chunks, bytes)
        #expect(end == .truncated(unit: "TS packet", atOffsetBytes: 188 * 100, missingBytes: 138))
    }

    @Test func annexBH264CutsBeforeIDRAccessUnits() {
        let bytes = TestMedia.h264
        let (chunks, end) = chunk(bytes, with: AnnexBChunker(codec: .h264), pieces: [bytes.count])
        #expect(end == .complete)
        Self.checkTiling(chunks, bytes)
        #expect(chunks.count == TestMedia.keyframeCount)
        #expect(chunks.allSatisfy { $0.isKeyframe && $0.kind == .annexBH264 })
        for c in chunks {
            // 4-byte start code, then an AU-opening NAL (AUD/SPS/SEI…) or the IDR itself.
            let o = Int(c.offsetBytes)
            #expect(Array(bytes[o..<(o + 4)]) == [0, 0, 0, 1])
            #expect([5, 6, 7, 9].contains(bytes[o + 4] & 0x1F))
        }
    }

    @Test func annexBHEVC() {
        let bytes = TestMedia.hevc
        let (chunks, _) = chunk(bytes, with: AnnexBChunker(codec: .hevc), pieces: [bytes.count])
        Self.checkTiling(chunks, bytes)
        #expect(chunks.count == TestMedia.keyframeCount)
        #expect(chunks.allSatisfy { $0.isKeyframe })
        bytes.withUnsafeBytes { #expect(ChunkFormat.detect($0) == .annexBHEVC) }
        Self.checkSplitInvariance(bytes) { AnnexBChunker(codec: .hevc) }
    }

    @Test func annexBSizeBoundCutsAtAccessUnits() {
        let bytes = TestMedia.h264
        let (chunks, _) = chunk(bytes, with: AnnexBChunker(codec: .h264, maxChunkBytes: 20_000), pieces: [bytes.count])
        Self.checkTiling(chunks, bytes)
        #expect(chunks.count > 10)
        #expect(chunks.filter(\.isKeyframe).count == TestMedia.keyframeCount)
        Self.checkSplitInvariance(bytes) { AnnexBChunker(codec: .h264, maxChunkBytes: 20_000) }
    }

    @Test func annexBSplitInvariance() {
        Self.checkSplitInvariance(TestMedia.h264) { AnnexBChunker(codec: .h264) }
    }

    @Test func checksumsEqualXxhsum() {
        let bytes = TestMedia.ts
        let (chunks, _) = chunk(bytes, with: TSChunker(), pieces: [7000])
        for c in chunks.prefix(2) {
            #expect(c.checksum == TestMedia.xxhsum(Array(bytes[Int(c.offsetBytes)..<Int(c.endOffsetBytes)])))
        }
    }

    @Test func formatDetection() {
        TestMedia.cmaf.withUnsafeBytes { #expect(ChunkFormat.detect($0) == .cmaf) }
        TestMedia.ts.withUnsafeBytes { #expect(ChunkFormat.detect($0) == .ts) }
        TestMedia.h264.withUnsafeBytes { #expect(ChunkFormat.detect($0) == .annexBH264) }
        [UInt8](repeating: 0xFF, count: 4000).withUnsafeBytes { #expect(ChunkFormat.detect($0) == nil) }
    }

    @Test func cmafTruncatedAndMalformedAreReported() {
        let bytes = Array(TestMedia.cmaf[0..<(TestMedia.cmaf.count - 1000)])
        let (chunks, end) = chunk(bytes, with: CMAFChunker(), pieces: [333])
        Self.checkTiling(chunks, bytes)
        guard case .truncated(let unit, _, let missing) = end else {
            Issue.record("expected truncated, got \(end)")
            return
        }
        #expect(unit.hasPrefix("box '") && missing > 0)

        var broken = TestMedia.cmaf
        let second = Int(chunk(broken, with: CMAFChunker(), pieces: [broken.count]).chunks[2].offsetBytes)
        broken[second + 4] = 0x01  // box type no longer printable
        let result = chunk(broken, with: CMAFChunker(), pieces: [broken.count])
        Self.checkTiling(result.chunks, broken)
        #expect(result.end == .malformed(reason: "invalid box header", atOffsetBytes: UInt64(second)))
        #expect(result.chunks.last?.kind == .opaque)
    }
}
