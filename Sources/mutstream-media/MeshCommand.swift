import ArgumentParser
import Edge

/// `mutstream mesh …`: key material for the mesh.
struct MeshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Mesh key material.",
        subcommands: [Keygen.self]
    )

    /// `mesh keygen --signing-key FILE --secret FILE`
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Write a new origin signing key and/or mesh secret (mode 0600).",
            discussion: """
                The signing key goes in the origin's `mesh.signing_key_file`; the printed public key \
                goes in every relay's `origin_public_key` for the origin's streams. The secret file \
                is shared by every box of the mesh (`mesh.secret_file`). Existing files are never \
                overwritten. With --public-key FILE, prints the public key of an existing signing key.
                """
        )

        @Option(help: "Where to write the new Ed25519 signing key (PKCS#8 PEM).")
        var signingKey: String?

        @Option(help: "Where to write the new mesh secret (base64 of 32 random bytes).")
        var secret: String?

        @Option(help: "Print the public key of this existing signing key file and exit.")
        var publicKey: String?

        func validate() throws {
            if signingKey == nil && secret == nil && publicKey == nil {
                throw ValidationError("give --signing-key FILE and/or --secret FILE (or --public-key FILE)")
            }
        }

        func run() throws {
            if let publicKey {
                print(try MeshKeygen.publicKey(ofSigningKeyFile: publicKey))
                return
            }
            if let key = try MeshKeygen.generate(signingKeyPath: signingKey, secretPath: secret) {
                print("origin_public_key: \(key)")
            }
            if let secret { print("mesh secret written to \(secret) (mode 0600); copy it to every box of the mesh") }
        }
    }
}
