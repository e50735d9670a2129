/// Why key material from a file or a configuration string was refused.
public enum MeshKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The origin's public key (relay configuration) is not base64 of a 32-byte Ed25519 key.
    case malformedPublicKey(String)
    /// The origin's private key file holds none of the accepted forms.
    case malformedPrivateKey(String)
    /// The mesh secret is shorter than ``MeshSecret/minimumBytes``.
    case secretTooShort(lengthBytes: Int)

    public var description: String {
        switch self {
        case .malformedPublicKey(let why):
            "origin public key: \(why) (expected base64 of the raw 32-byte Ed25519 key, as `mutstream mesh keygen` prints)"
        case .malformedPrivateKey(let why):
            "origin private key: \(why) (expected a PKCS#8 PEM `BEGIN PRIVATE KEY` block, base64 of the raw 32-byte seed, or the 32 raw bytes)"
        case .secretTooShort(let n):
            "mesh secret: \(n) bytes, at least \(MeshSecret.minimumBytes) needed (generate one with `mutstream mesh keygen`)"
        }
    }
}
