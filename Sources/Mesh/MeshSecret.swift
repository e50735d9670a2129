import Crypto

/// The secret every box of a mesh shares; request credentials are derived from it.
///
/// The key file holds base64 text (what ``generate()`` writes); a file that is not base64 is
/// used as raw bytes. Either way at least ``minimumBytes`` of secret are required. Check the
/// file's mode with ``KeyFilePermissions/check(path:mode:)`` before reading it.
public struct MeshSecret: Sendable {
    /// Fewest secret bytes accepted.
    public static let minimumBytes = 16

    // Raw bytes: swift-crypto's `SymmetricKey` is not `Sendable`.
    private let bytes: [UInt8]

    /// A secret of these bytes.
    public init(bytes: [UInt8]) throws(MeshKeyError) {
        guard bytes.count >= Self.minimumBytes else { throw .secretTooShort(lengthBytes: bytes.count) }
        self.bytes = bytes
    }

    var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// A secret from a key file's contents: decoded base64 text, or else the raw bytes
    /// without surrounding whitespace.
    public init(fileContents: [UInt8]) throws(MeshKeyError) {
        let trimmed = fileContents.trimmingASCIIWhitespace()
        let text = String(decoding: trimmed, as: UTF8.self)
        try self.init(bytes: Base64.decode(text) ?? trimmed)
    }

    /// Contents for a new key file: base64 of 32 random bytes and a newline.
    public static func generate() -> String {
        let key = SymmetricKey(size: .bits256)
        return key.withUnsafeBytes { Base64.encode($0) } + "\n"
    }
}
