/// An index entry as the origin signed it: what every box stores, serves and passes on
/// unchanged, so that any box can check a chunk without trusting the relays it came through.
public struct SignedIndexEntry: Sendable, Hashable {
    /// Longest origin id, in UTF-8 bytes.
    public static let maximumOriginIDBytes = 255

    /// The entry.
    public let entry: ChunkIndexEntry
    /// The node id of the origin that signed it (1…255 UTF-8 bytes).
    public let originID: String
    /// Ed25519 signature over ``signedMessage(entry:originID:)``.
    public let signature: [UInt8]

    /// Wraps an entry with its signature, as received; nothing is checked here except the
    /// origin id's length (``IndexVerifier`` checks the signature).
    public init(entry: ChunkIndexEntry, originID: String, signature: [UInt8]) throws(ChunkIndexEntryError) {
        let count = originID.utf8.count
        guard count > 0, count <= Self.maximumOriginIDBytes else {
            throw .invalidName(field: "origin", lengthBytes: count)
        }
        self.entry = entry
        self.originID = originID
        self.signature = signature
    }

    /// What the origin signs: the entry's canonical bytes, then the origin id as one length
    /// byte + UTF-8 (so a relay cannot pass one origin's entry off as another's).
    public static func signedMessage(entry: ChunkIndexEntry, originID: String) -> [UInt8] {
        var w = ByteWriter()
        w.append(entry.canonicalBytes)
        w.appendName(originID)
        return w.bytes
    }
}
