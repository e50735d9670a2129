import Crypto

/// A chunk's length and SHA-256, as computed by ``ChunkDigester``.
public struct ChunkDigest: Sendable, Hashable {
    /// Bytes hashed.
    public var lengthBytes: UInt64
    /// Their SHA-256 (32 bytes).
    public var sha256: [UInt8]
}

/// Hashes a chunk as its bytes arrive (the origin when it publishes, a puller while it
/// receives), so the digest is ready when the last byte is.
///
/// Not `Sendable`: one task feeds it (swift-crypto's hasher is not `Sendable`).
public struct ChunkDigester {
    private var hasher = SHA256()
    private var lengthBytes: UInt64 = 0

    /// A digester with nothing hashed.
    public init() {}

    /// Hashes the next bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        lengthBytes += UInt64(bytes.count)
    }

    /// Hashes the next bytes.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The length and digest of everything hashed.
    public func finalize() -> ChunkDigest {
        ChunkDigest(lengthBytes: lengthBytes, sha256: Array(hasher.finalize()))
    }

    /// Length and SHA-256 of a whole chunk at once.
    public static func digest(_ bytes: [UInt8]) -> ChunkDigest {
        var d = ChunkDigester()
        d.update(bytes)
        return d.finalize()
    }
}
