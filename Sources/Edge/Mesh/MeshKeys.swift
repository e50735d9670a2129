import Foundation
import Mesh
import Profiles

/// The key material of `mesh:`: the mesh secret (request credentials, both ways) and, on an
/// origin, the index signing key. Both files must be owner-only (mode 0600).
struct MeshKeys: Sendable {
    /// Checks and signs mesh request credentials; nil without `mesh.secret_file`.
    let authenticator: MeshAuthenticator?
    /// Signs the chunk index of transcoded streams; nil without `mesh.signing_key_file`.
    let signer: IndexSigner?

    /// Reads the configured files; throws ``MeshSetupError`` naming the file and the fix.
    static func load(_ configuration: NodeConfig) throws -> MeshKeys {
        let authenticator = try configuration.mesh.secretFile.map { path in
            let bytes = try readKeyFile(path, field: "mesh.secret_file")
            do { return MeshAuthenticator(secret: try MeshSecret(fileContents: bytes)) } catch {
                throw MeshSetupError.badKeyFile(path: path, field: "mesh.secret_file", reason: "\(error)")
            }
        }
        let signer = try configuration.mesh.signingKeyFile.map { path in
            let bytes = try readKeyFile(path, field: "mesh.signing_key_file")
            do { return try IndexSigner(originID: configuration.nodeID, keyFileContents: bytes) } catch {
                throw MeshSetupError.badKeyFile(path: path, field: "mesh.signing_key_file", reason: "\(error)")
            }
        }
        return MeshKeys(authenticator: authenticator, signer: signer)
    }

    private static func readKeyFile(_ path: String, field: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw MeshSetupError.missingKeyFile(path: path, field: field) }
        do { try KeyFilePermissions.check(path: path, mode: UInt32(info.st_mode)) } catch {
            throw MeshSetupError.badKeyFile(path: path, field: field, reason: error.description)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MeshSetupError.badKeyFile(path: path, field: field, reason: "cannot be read")
        }
        return Array(data)
    }
}

/// Why the mesh key material could not be loaded.
public enum MeshSetupError: Error, CustomStringConvertible {
    /// A configured key file does not exist.
    case missingKeyFile(path: String, field: String)
    /// A key file exists but is unusable (mode, contents).
    case badKeyFile(path: String, field: String, reason: String)

    public var description: String {
        switch self {
        case .missingKeyFile(let path, let field):
            "\(field): \(path) does not exist; create the mesh keys with "
                + "`mutstream mesh keygen --signing-key FILE --secret FILE` (files are written with mode 0600)"
        case .badKeyFile(let path, let field, let reason):
            "\(field): \(path): \(reason)"
        }
    }
}
