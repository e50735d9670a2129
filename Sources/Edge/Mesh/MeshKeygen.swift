import Foundation
import Mesh

/// `mutstream mesh keygen`: new mesh key files, written owner-only (mode 0600).
public enum MeshKeygen {
    /// Writes a new origin signing key to `signingKeyPath` and/or a new mesh secret to
    /// `secretPath` (refusing to overwrite existing files); returns the signing key's public
    /// key, the value relays put in `origin_public_key`.
    public static func generate(signingKeyPath: String?, secretPath: String?) throws -> String? {
        var publicKey: String?
        if let path = signingKeyPath {
            let pair = OriginKey.generate()
            try writeOwnerOnly(pair.privateKeyFileContents, to: path)
            publicKey = pair.publicKeyBase64
        }
        if let path = secretPath { try writeOwnerOnly(MeshSecret.generate(), to: path) }
        return publicKey
    }

    /// The public key of an existing signing key file.
    public static func publicKey(ofSigningKeyFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw MeshSetupError.missingKeyFile(path: path, field: "--signing-key") }
        return try IndexSigner(originID: "origin", keyFileContents: Array(data)).publicKeyBase64
    }

    private static func writeOwnerOnly(_ text: String, to path: String) throws {
        // O_EXCL: never replace a key in place; mode 0600 from the start (no window with wider access).
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw MeshSetupError.badKeyFile(path: path, field: "keygen", reason: String(cString: strerror(errno)) + " (an existing key file is never overwritten)")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw MeshSetupError.badKeyFile(path: path, field: "keygen", reason: "short write") }
        fchmod(fd, 0o600)
    }
}
