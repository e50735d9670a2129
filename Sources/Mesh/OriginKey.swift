import Crypto

/// Reading and writing the origin's Ed25519 key material.
///
/// The private key file may hold a PKCS#8 PEM block (what `openssl genpkey -algorithm
/// ed25519` and ``generate()`` write), base64 of the raw 32-byte seed, or the 32 raw bytes.
/// The public key travels in relay configuration as base64 of its raw 32 bytes.
public enum OriginKey {
    /// DER prefix of a PKCS#8 Ed25519 private key (RFC 8410): the 32-byte seed follows.
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    /// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32-byte key follows.
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
    static let pemHeader = "-----BEGIN PRIVATE KEY-----"
    static let pemFooter = "-----END PRIVATE KEY-----"

    /// A new key pair: the private key file's contents and the public key string for relays.
    public static func generate() -> (privateKeyFileContents: String, publicKeyBase64: String) {
        let key = Curve25519.Signing.PrivateKey()
        return (pem(key), Base64.encode(key.publicKey.rawRepresentation))
    }

    /// The private key as a PKCS#8 PEM block (with a trailing newline).
    public static func pem(_ key: Curve25519.Signing.PrivateKey) -> String {
        "\(pemHeader)\n\(Base64.encode(pkcs8Prefix + key.rawRepresentation))\n\(pemFooter)\n"
    }

    /// The public key as relays configure it: base64 of the raw 32 bytes.
    public static func publicKeyBase64(_ key: Curve25519.Signing.PublicKey) -> String {
        Base64.encode(key.rawRepresentation)
    }

    /// Parses a private key file's contents.
    public static func privateKey(fileContents: [UInt8]) throws(MeshKeyError) -> Curve25519.Signing.PrivateKey {
        if fileContents.count == 32 { return try privateKey(seed: fileContents) }
        let text = String(decoding: fileContents.trimmingASCIIWhitespace(), as: UTF8.self)
        if text.hasPrefix(pemHeader) {
            guard text.hasSuffix(pemFooter) else { throw .malformedPrivateKey("PEM block without its END line") }
            let body = text.dropFirst(pemHeader.count).dropLast(pemFooter.count).filter { !$0.isWhitespace }
            guard let der = Base64.decode(body) else { throw .malformedPrivateKey("PEM body is not base64") }
            return try privateKey(der: der)
        }
        guard let decoded = Base64.decode(text) else { throw .malformedPrivateKey("neither PEM nor base64") }
        if decoded.count == 32 { return try privateKey(seed: decoded) }
        return try privateKey(der: decoded)
    }

    /// Parses the public key string of a relay's stream configuration: base64 of the raw
    /// 32 bytes (a base64 DER SubjectPublicKeyInfo, `openssl pkey -pubout -outform DER`, is
    /// accepted too).
    public static func publicKey(base64 text: String) throws(MeshKeyError) -> Curve25519.Signing.PublicKey {
        guard let bytes = Base64.decode(text) else { throw .malformedPublicKey("not base64") }
        let raw: [UInt8]
        if bytes.count == 32 {
            raw = bytes
        } else if bytes.count == spkiPrefix.count + 32, Array(bytes.prefix(spkiPrefix.count)) == spkiPrefix {
            raw = Array(bytes.suffix(32))
        } else {
            throw .malformedPublicKey("\(bytes.count) bytes, not 32")
        }
        do { return try Curve25519.Signing.PublicKey(rawRepresentation: raw) } catch {
            throw .malformedPublicKey("not an Ed25519 key")
        }
    }

    private static func privateKey(der: [UInt8]) throws(MeshKeyError) -> Curve25519.Signing.PrivateKey {
        guard der.count == pkcs8Prefix.count + 32, Array(der.prefix(pkcs8Prefix.count)) == pkcs8Prefix else {
            throw .malformedPrivateKey("not a PKCS#8 Ed25519 key (\(der.count) bytes)")
        }
        return try privateKey(seed: Array(der.suffix(32)))
    }

    private static func privateKey(seed: [UInt8]) throws(MeshKeyError) -> Curve25519.Signing.PrivateKey {
        do { return try Curve25519.Signing.PrivateKey(rawRepresentation: seed) } catch {
            throw .malformedPrivateKey("not an Ed25519 seed")
        }
    }
}
