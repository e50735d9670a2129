import Crypto

/// Every box's side: checks index entries and chunk bytes against the origin's key before
/// storing or serving them.
public struct IndexVerifier: Sendable {
    // The raw key: swift-crypto's key types are not `Sendable`.
    private let rawKey: [UInt8]

    /// A verifier for one origin key.
    public init(publicKey: Curve25519.Signing.PublicKey) { self.rawKey = Array(publicKey.rawRepresentation) }

    private var key: Curve25519.Signing.PublicKey {
        // The bytes came from a valid key.
        try! Curve25519.Signing.PublicKey(rawRepresentation: rawKey)
    }

    /// A verifier from the relay's stream configuration (see ``OriginKey/publicKey(base64:)``).
    public init(publicKeyBase64: String) throws(MeshKeyError) {
        self.init(publicKey: try OriginKey.publicKey(base64: publicKeyBase64))
    }

    /// Checks the origin's signature on an entry (before the bytes are there: an index
    /// long-poll answer is checked with this before the scheduler sees it).
    public func verify(_ signed: SignedIndexEntry) throws(IndexVerificationError) {
        guard signed.signature.count == 64 else { throw .malformedSignature(lengthBytes: signed.signature.count) }
        let message = SignedIndexEntry.signedMessage(entry: signed.entry, originID: signed.originID)
        guard key.isValidSignature(signed.signature, for: message) else { throw .badSignature }
    }

    /// Checks the signature, then that `bytes` have the signed length and SHA-256.
    public func verify(entry signed: SignedIndexEntry, bytes: UnsafeRawBufferPointer) throws(IndexVerificationError) {
        try verify(signed)
        guard UInt64(bytes.count) == signed.entry.lengthBytes else {
            throw .lengthMismatch(expectedBytes: signed.entry.lengthBytes, actualBytes: UInt64(bytes.count))
        }
        guard Array(SHA256.hash(data: bytes)) == signed.entry.sha256 else { throw .digestMismatch }
    }

    /// Checks the signature, then that `bytes` have the signed length and SHA-256.
    public func verify(entry signed: SignedIndexEntry, bytes: [UInt8]) throws(IndexVerificationError) {
        let digest = ChunkDigester.digest(bytes)
        try verify(entry: signed, digest: digest)
    }

    /// Checks the signature, then a length and digest computed while the bytes arrived
    /// (``ChunkDigester``), so a puller need not hash the chunk a second time.
    public func verify(entry signed: SignedIndexEntry, digest: ChunkDigest) throws(IndexVerificationError) {
        try verify(signed)
        guard digest.lengthBytes == signed.entry.lengthBytes else {
            throw .lengthMismatch(expectedBytes: signed.entry.lengthBytes, actualBytes: digest.lengthBytes)
        }
        guard digest.sha256 == signed.entry.sha256 else { throw .digestMismatch }
    }
}

/// Why an entry or a chunk failed verification: the chunk must be dropped and fetched again
/// from another peer.
public enum IndexVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The signature is not 64 bytes.
    case malformedSignature(lengthBytes: Int)
    /// The signature does not verify under the origin's key: an entry field or the origin id
    /// was altered, or another key signed it.
    case badSignature
    /// The bytes are not as long as the signed length.
    case lengthMismatch(expectedBytes: UInt64, actualBytes: UInt64)
    /// The bytes' SHA-256 is not the signed one.
    case digestMismatch

    public var description: String {
        switch self {
        case .malformedSignature(let n): "signature of \(n) bytes (Ed25519 signatures are 64)"
        case .badSignature: "signature does not verify under the origin's key"
        case .lengthMismatch(let e, let a): "chunk is \(a) bytes, the signed index says \(e)"
        case .digestMismatch: "chunk's SHA-256 differs from the signed index"
        }
    }
}
