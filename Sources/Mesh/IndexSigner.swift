import Crypto

/// The origin's side: signs each chunk index entry it publishes.
public struct IndexSigner: Sendable {
    /// The origin's node id, carried in every signed entry.
    public let originID: String
    // The raw seed: swift-crypto's key types are not `Sendable`, and rebuilding the key
    // per signature costs far less than the signature.
    private let seed: [UInt8]

    /// A signer with a key in memory.
    public init(originID: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.originID = originID
        self.seed = Array(privateKey.rawRepresentation)
    }

    private var key: Curve25519.Signing.PrivateKey {
        // The seed came from a valid key.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }

    /// A signer with the key from a private key file's contents (see ``OriginKey``).
    public init(originID: String, keyFileContents: [UInt8]) throws(MeshKeyError) {
        self.init(originID: originID, privateKey: try OriginKey.privateKey(fileContents: keyFileContents))
    }

    /// The public key string relays put in their stream configuration.
    public var publicKeyBase64: String { OriginKey.publicKeyBase64(key.publicKey) }

    /// A verifier for this signer's entries.
    public var verifier: IndexVerifier { IndexVerifier(publicKey: key.publicKey) }

    /// Signs an entry. Throws only when the origin id is empty or longer than 255 bytes.
    public func sign(_ entry: ChunkIndexEntry) throws(ChunkIndexEntryError) -> SignedIndexEntry {
        let message = SignedIndexEntry.signedMessage(entry: entry, originID: originID)
        // Signing with a valid key cannot fail in practice; a failure here is a broken library.
        let signature: [UInt8]
        do { signature = Array(try key.signature(for: message)) } catch {
            preconditionFailure("Ed25519 signing failed: \(error)")
        }
        return try SignedIndexEntry(entry: entry, originID: originID, signature: signature)
    }
}
