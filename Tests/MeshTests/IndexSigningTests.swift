import Foundation
import Mesh
import Testing

@Suite struct IndexSigningTests {
    @Test func signedEntryVerifiesWithItsBytes() throws {
        let signer = try Fixtures.signer()
        #expect(signer.publicKeyBase64 == Fixtures.originPublicKeyBase64)
        let bytes = Fixtures.chunkBytes(sequence: 7)
        let signed = try signer.sign(try Fixtures.entry(sequence: 7, bytes: bytes))
        let verifier = try IndexVerifier(publicKeyBase64: Fixtures.originPublicKeyBase64)
        try verifier.verify(entry: signed, bytes: bytes)
        var digester = ChunkDigester()
        digester.update(Array(bytes[..<300]))
        digester.update(Array(bytes[300...]))
        try verifier.verify(entry: signed, digest: digester.finalize())
    }

    @Test func tamperedBytesFailWithTypedErrors() throws {
        let signer = try Fixtures.signer()
        let bytes = Fixtures.chunkBytes(sequence: 1)
        let signed = try signer.sign(try Fixtures.entry(sequence: 1, bytes: bytes))
        var flipped = bytes
        flipped[500] ^= 0x01
        #expect(throws: IndexVerificationError.digestMismatch) { try signer.verifier.verify(entry: signed, bytes: flipped) }
        #expect(throws: IndexVerificationError.lengthMismatch(expectedBytes: 1000, actualBytes: 999)) {
            try signer.verifier.verify(entry: signed, bytes: Array(bytes.dropLast()))
        }
    }

    @Test func tamperedFieldFailsTheSignature() throws {
        let signer = try Fixtures.signer()
        let bytes = Fixtures.chunkBytes(sequence: 3)
        let entry = try Fixtures.entry(sequence: 3, bytes: bytes)
        let signed = try signer.sign(entry)
        // A relay replaying sequence 3's entry as sequence 4, or flipping the keyframe flag.
        var id = entry.id
        id.mediaSequence = 4
        for forged in [
            try ChunkIndexEntry(id: id, presentationTimeValue: entry.presentationTimeValue, timescaleHz: entry.timescaleHz,
                                durationMicroseconds: entry.durationMicroseconds, isIndependent: entry.isIndependent,
                                lengthBytes: entry.lengthBytes, sha256: entry.sha256),
            try ChunkIndexEntry(id: entry.id, presentationTimeValue: entry.presentationTimeValue, timescaleHz: entry.timescaleHz,
                                durationMicroseconds: entry.durationMicroseconds, isIndependent: !entry.isIndependent,
                                lengthBytes: entry.lengthBytes, sha256: entry.sha256),
        ] {
            let relabelled = try SignedIndexEntry(entry: forged, originID: signed.originID, signature: signed.signature)
            #expect(throws: IndexVerificationError.badSignature) { try signer.verifier.verify(entry: relabelled, bytes: bytes) }
        }
        let otherOrigin = try SignedIndexEntry(entry: entry, originID: "origin-2", signature: signed.signature)
        #expect(throws: IndexVerificationError.badSignature) { try signer.verifier.verify(otherOrigin) }
    }

    @Test func wrongKeyAndTruncatedSignatureFail() throws {
        let bytes = Fixtures.chunkBytes(sequence: 2)
        let signed = try Fixtures.signer().sign(try Fixtures.entry(sequence: 2, bytes: bytes))
        let other = try IndexVerifier(publicKeyBase64: OriginKey.generate().publicKeyBase64)
        #expect(throws: IndexVerificationError.badSignature) { try other.verify(entry: signed, bytes: bytes) }
        let truncated = try SignedIndexEntry(entry: signed.entry, originID: signed.originID, signature: Array(signed.signature.prefix(63)))
        #expect(throws: IndexVerificationError.malformedSignature(lengthBytes: 63)) {
            try Fixtures.signer().verifier.verify(entry: truncated, bytes: bytes)
        }
    }

    @Test func relaysPassTheOriginSignatureOnUnchanged() throws {
        let bytes = Fixtures.chunkBytes(sequence: 9)
        let signed = try Fixtures.signer().sign(try Fixtures.entry(sequence: 9, bytes: bytes))
        // Origin → relay A → relay B, each decoding the JSON and serving what it decoded.
        var json = try JSONEncoder().encode(signed)
        for _ in 0..<2 {
            let atRelay = try JSONDecoder().decode(SignedIndexEntry.self, from: json)
            try IndexVerifier(publicKeyBase64: Fixtures.originPublicKeyBase64).verify(entry: atRelay, bytes: bytes)
            json = try JSONEncoder().encode(atRelay)
        }
        #expect(try JSONDecoder().decode(SignedIndexEntry.self, from: json) == signed)
    }

    @Test func generatedKeysRoundTripThroughTheirFileForms() throws {
        let (pem, publicKey) = OriginKey.generate()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let signer = try IndexSigner(originID: "o", keyFileContents: Array(pem.utf8))
        #expect(signer.publicKeyBase64 == publicKey)
        let bytes = Fixtures.chunkBytes(sequence: 1)
        try IndexVerifier(publicKeyBase64: publicKey).verify(entry: try signer.sign(try Fixtures.entry(sequence: 1, bytes: bytes)), bytes: bytes)
    }

    @Test func privateKeyFileFormsAgree() throws {
        let fromPEM = try OriginKey.privateKey(fileContents: Array(Fixtures.originPEM.utf8))
        let seed = Array(fromPEM.rawRepresentation)
        let fromRaw = try OriginKey.privateKey(fileContents: seed)
        let fromBase64 = try OriginKey.privateKey(fileContents: Array((seed.base64 + "\n").utf8))
        #expect(fromRaw.publicKey.rawRepresentation == fromPEM.publicKey.rawRepresentation)
        #expect(fromBase64.publicKey.rawRepresentation == fromPEM.publicKey.rawRepresentation)
    }

    @Test func malformedKeysGiveTypedErrors() {
        #expect(throws: MeshKeyError.malformedPublicKey("not base64")) { try IndexVerifier(publicKeyBase64: "not a key!") }
        #expect(throws: MeshKeyError.malformedPublicKey("31 bytes, not 32")) {
            try IndexVerifier(publicKeyBase64: [UInt8](repeating: 1, count: 31).base64)
        }
        #expect(throws: MeshKeyError.malformedPrivateKey("neither PEM nor base64")) {
            try OriginKey.privateKey(fileContents: Array("hello".utf8))
        }
        #expect(throws: MeshKeyError.malformedPrivateKey("PEM block without its END line")) {
            try OriginKey.privateKey(fileContents: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n".utf8))
        }
        #expect(throws: MeshKeyError.malformedPrivateKey("not a PKCS#8 Ed25519 key (3 bytes)")) {
            try OriginKey.privateKey(fileContents: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".utf8))
        }
        // The message names the expected form.
        #expect(MeshKeyError.malformedPublicKey("not base64").description.contains("raw 32-byte Ed25519 key"))
    }

    @Test func spkiPublicKeyFormIsAcceptedToo() throws {
        let spki = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + Array(Data(base64Encoded: Fixtures.originPublicKeyBase64)!)
        let verifier = try IndexVerifier(publicKeyBase64: spki.base64)
        let bytes = Fixtures.chunkBytes(sequence: 4)
        try verifier.verify(entry: try Fixtures.signer().sign(try Fixtures.entry(sequence: 4, bytes: bytes)), bytes: bytes)
    }
}

extension Array where Element == UInt8 {
    var base64: String { Data(self).base64EncodedString() }
}
