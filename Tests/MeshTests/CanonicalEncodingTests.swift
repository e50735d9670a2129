import Foundation
@testable import Mesh
import Testing

@Suite struct CanonicalEncodingTests {
    static let entry = try! ChunkIndexEntry(
        id: ChunkID(stream: "s", rendition: "r1", mediaSequence: 0x0102, partIndex: 3),
        presentationTimeValue: -2, timescaleHz: 90_000, durationMicroseconds: 500_000, isIndependent: true,
        lengthBytes: 0x10000, sha256: Array(0..<32)
    )

    @Test func layoutIsFixedAndBigEndian() throws {
        let expected: [UInt8] = Array("MSIX".utf8) + [1, 1]
            + [1] + Array("s".utf8) + [2] + Array("r1".utf8)
            + [0, 0, 0, 0, 0, 0, 0x01, 0x02]
            + [0, 0, 0, 3]
            + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]
            + [0, 0x01, 0x5F, 0x90]
            + [0, 0, 0, 0, 0, 0x07, 0xA1, 0x20]
            + [0, 0, 0, 0, 0, 0x01, 0, 0]
            + Array(0..<32)
        #expect(Self.entry.canonicalBytes == expected)
        #expect(try ChunkIndexEntry(canonicalBytes: expected) == Self.entry)
    }

    @Test func malformedEncodingsAreRefused() {
        let bytes = Self.entry.canonicalBytes
        #expect(throws: ChunkIndexEntryError.malformedEncoding("truncated")) { try ChunkIndexEntry(canonicalBytes: Array(bytes.dropLast())) }
        #expect(throws: ChunkIndexEntryError.malformedEncoding("trailing bytes")) { try ChunkIndexEntry(canonicalBytes: bytes + [0]) }
        var version2 = bytes
        version2[4] = 2
        #expect(throws: ChunkIndexEntryError.malformedEncoding("unsupported version")) { try ChunkIndexEntry(canonicalBytes: version2) }
        var flags = bytes
        flags[5] = 0x81
        #expect(throws: ChunkIndexEntryError.malformedEncoding("unknown flags")) { try ChunkIndexEntry(canonicalBytes: flags) }
    }

    @Test func fieldsWithoutACanonicalFormAreRefused() {
        let id = ChunkID(stream: "", rendition: "r", mediaSequence: 0, partIndex: 0)
        #expect(throws: ChunkIndexEntryError.invalidName(field: "stream", lengthBytes: 0)) {
            try ChunkIndexEntry(id: id, presentationTimeValue: 0, timescaleHz: 1, durationMicroseconds: 0, isIndependent: false,
                                lengthBytes: 0, sha256: Array(repeating: 0, count: 32))
        }
        let long = ChunkID(stream: "s", rendition: String(repeating: "x", count: 256), mediaSequence: 0, partIndex: 0)
        #expect(throws: ChunkIndexEntryError.invalidName(field: "rendition", lengthBytes: 256)) {
            try ChunkIndexEntry(id: long, presentationTimeValue: 0, timescaleHz: 1, durationMicroseconds: 0, isIndependent: false,
                                lengthBytes: 0, sha256: Array(repeating: 0, count: 32))
        }
        #expect(throws: ChunkIndexEntryError.zeroTimescale) {
            try ChunkIndexEntry(id: Self.entry.id, presentationTimeValue: 0, timescaleHz: 0, durationMicroseconds: 0,
                                isIndependent: false, lengthBytes: 0, sha256: Array(repeating: 0, count: 32))
        }
        #expect(throws: ChunkIndexEntryError.invalidDigestLength(20)) {
            try ChunkIndexEntry(id: Self.entry.id, presentationTimeValue: 0, timescaleHz: 1, durationMicroseconds: 0,
                                isIndependent: false, lengthBytes: 0, sha256: Array(repeating: 0, count: 20))
        }
    }

    @Test func jsonFormHasHexDigestAndBase64Signature() throws {
        let signed = try Fixtures.signer().sign(Self.entry)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(signed), as: UTF8.self)
        let hex = (0..<32).map { String(format: "%02x", $0) }.joined()
        #expect(json.hasPrefix(#"{"duration_us":500000,"independent":true,"length":65536,"msn":258,"origin":"origin-1","part":3,"pts":-2,"rendition":"r1","sha256":"\#(hex)","sig":""#))
        #expect(json.hasSuffix(#"","stream":"s","timescale":90000,"v":1}"#))
        #expect(try JSONDecoder().decode(SignedIndexEntry.self, from: Data(json.utf8)) == signed)
        // The plain entry round-trips on its own as well.
        #expect(try JSONDecoder().decode(ChunkIndexEntry.self, from: try JSONEncoder().encode(Self.entry)) == Self.entry)
    }

    @Test func jsonWithBadFieldsIsRefused() throws {
        let good = #"{"v":1,"stream":"s","rendition":"r","msn":1,"part":0,"pts":0,"timescale":90000,"duration_us":1,"independent":true,"length":1,"sha256":"\#(String(repeating: "ab", count: 32))","origin":"o","sig":"AAAA"}"#
        #expect(throws: Never.self) { try JSONDecoder().decode(SignedIndexEntry.self, from: Data(good.utf8)) }
        for bad in [
            good.replacingOccurrences(of: #""v":1"#, with: #""v":2"#),
            good.replacingOccurrences(of: "abab", with: "zzab"),
            good.replacingOccurrences(of: #""sha256":"ab"#, with: #""sha256":""#),
            good.replacingOccurrences(of: #""timescale":90000"#, with: #""timescale":0"#),
            good.replacingOccurrences(of: "AAAA", with: "A!A"),
            good.replacingOccurrences(of: #""origin":"o""#, with: #""origin":"""#),
        ] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(SignedIndexEntry.self, from: Data(bad.utf8)) }
        }
    }

    @Test func base64AndHexMatchFoundation() {
        for n in 0..<70 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Data(bytes).base64EncodedString()
            #expect(Base64.encode(bytes) == text)
            #expect(Base64.decode(text) == bytes)
            #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        }
        #expect(Base64.decode("AB=C") == nil && Base64.decode("ABC") == nil && Base64.decode("A===") == nil)
    }
}
