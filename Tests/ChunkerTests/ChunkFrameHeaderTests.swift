import Chunker
import Testing

@Suite struct ChunkFrameHeaderTests {
    static let sample = ChunkFrameHeader(
        streamOffsetBytes: 123_456_789, payloadLengthBytes: 98_765, kind: .cmafMedia, isKeyframe: true,
        presentationTime: MediaTime(value: 25_874, timescaleHz: 12_800), payloadChecksum: 0x0123_4567_89AB_CDEF)

    static func parse(_ bytes: [UInt8], max: UInt32 = ChunkFrameHeader.defaultMaxPayloadBytes) -> Result<ChunkFrameHeader, ChunkFrameHeaderError> {
        bytes.withUnsafeBytes { raw -> Result<ChunkFrameHeader, ChunkFrameHeaderError> in
            do {
                return .success(try ChunkFrameHeader.parse(raw, maxPayloadBytes: max))
            } catch {
                return .failure(error as! ChunkFrameHeaderError)
            }
        }
    }

    static func verify(_ header: ChunkFrameHeader, _ payload: [UInt8]) -> ChunkFrameHeaderError? {
        payload.withUnsafeBytes { raw -> ChunkFrameHeaderError? in
            do {
                try header.verify(payload: raw)
                return nil
            } catch {
                return error as? ChunkFrameHeaderError
            }
        }
    }

    /// Re-signs a header after a field was changed, so the field check (not the header
    /// checksum) is what rejects it.
    static func resigned(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        let h = XXH3.hash64(Array(b[0..<40]))
        for i in 0..<8 { b[40 + i] = UInt8(truncatingIfNeeded: h >> (56 - 8 * UInt64(i))) }
        return b
    }

    @Test func roundTrip() {
        let bytes = Self.sample.encoded
        #expect(bytes.count == ChunkFrameHeader.encodedBytes)
        #expect(Array(bytes[0..<4]) == Array("MSCK".utf8))
        #expect(Self.parse(bytes) == .success(Self.sample))
        var untimed = Self.sample
        untimed.presentationTime = nil
        untimed.isKeyframe = false
        #expect(Self.parse(untimed.encoded) == .success(untimed))
    }

    @Test func fromChunk() {
        let chunk = Chunk(offsetBytes: 10, lengthBytes: 20, kind: .transportStream, isKeyframe: true, presentationTime: nil, checksum: 5)
        let header = ChunkFrameHeader(chunk)
        #expect(header?.payloadLengthBytes == 20 && header?.kind == .transportStream)
        #expect(ChunkFrameHeader(Chunk(offsetBytes: 0, lengthBytes: 1 << 33, kind: .opaque, isKeyframe: false, presentationTime: nil, checksum: 0)) == nil)
    }

    @Test func rejectsTruncated() {
        let bytes = Self.sample.encoded
        for n in 0..<ChunkFrameHeader.encodedBytes {
            guard case .failure(.truncated(let available, _)) = Self.parse(Array(bytes[0..<n])) else {
                Issue.record("length \(n) not rejected as truncated")
                continue
            }
            #expect(available == n)
        }
    }

    @Test func rejectsEachBadField() {
        let good = Self.sample.encoded
        var b = good
        b[0] = 0x58
        #expect(Self.parse(b) == .failure(.badMagic))
        b = good; b[4] = 2
        #expect(Self.parse(b) == .failure(.unsupportedVersion(2)))
        b = good; b[5] = 40
        #expect(Self.parse(b) == .failure(.headerLengthMismatch(40)))
        b = good; b[20] ^= 0x10
        #expect(Self.parse(b) == .failure(.headerChecksumMismatch))
        b = good; b[6] = 200
        #expect(Self.parse(Self.resigned(b)) == .failure(.unknownKind(200)))
        b = good; b[7] = 0x07
        #expect(Self.parse(Self.resigned(b)) == .failure(.reservedFlagsSet(0x07)))
        #expect(Self.parse(good, max: 1000) == .failure(.payloadTooLarge(lengthBytes: 98_765, limitBytes: 1000)))
        b = good; for i in 8..<16 { b[i] = 0xFF }
        #expect(Self.parse(Self.resigned(b)) == .failure(.offsetOverflow))
        b = good; b[7] = 0x01  // has-time flag cleared, timescale still set
        #expect(Self.parse(Self.resigned(b)) == .failure(.inconsistentPresentationTime(timescaleHz: 12_800, hasTimeFlag: false)))
        b = good; for i in 20..<24 { b[i] = 0 }
        #expect(Self.parse(Self.resigned(b)) == .failure(.inconsistentPresentationTime(timescaleHz: 0, hasTimeFlag: true)))
    }

    @Test func verifiesPayload() {
        let payload: [UInt8] = Array(0..<200)
        let header = ChunkFrameHeader(
            streamOffsetBytes: 0, payloadLengthBytes: 200, kind: .annexBH264, isKeyframe: true,
            presentationTime: nil, payloadChecksum: XXH3.hash64(payload))
        #expect(Self.verify(header, payload) == nil)
        var bad = payload
        bad[7] ^= 1
        #expect(Self.verify(header, bad) == .payloadChecksumMismatch)
        #expect(Self.verify(header, Array(payload[1...])) == .payloadLengthMismatch(expectedBytes: 200, actualBytes: 199))
    }

    @Test func randomMutationsNeverCrashAndRoundTripWhenAccepted() {
        var rng = SplitMix64(state: 1234)
        let good = Self.sample.encoded
        for _ in 0..<20_000 {
            var b = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { b = Self.resigned(b) }
            if case .success(let header) = Self.parse(b) {
                #expect(header.encoded == b)
            }
        }
    }
}
