/// How a node meets and trusts its peers (`mesh:`).
public struct MeshConfig: Sendable, Equatable {
    /// Peers to contact first (`seed_peers:`), base URLs like `https://edge-2.example:8080`.
    public var seedPeers: [String]
    /// File holding this node's mesh key material (`secret_file:`), resolved against the
    /// config file's directory; it is read by the service, not here.
    public var secretFile: String?
    /// The origin's Ed25519 private key that signs the chunk index of the streams this node
    /// transcodes (`signing_key_file:`), resolved against the config file's directory; made by
    /// `mutstream mesh keygen`, read (mode 0600) by the service, not here.
    public var signingKeyFile: String?
    /// TLS certificate chain for the listener (`tls_certificate:`); set together with `tlsKey`.
    public var tlsCertificate: String?
    /// TLS private key for the listener (`tls_key:`); set together with `tlsCertificate`.
    public var tlsKey: String?
    /// PEM certificates of CAs trusted for `https://` upstreams and peers besides the system's
    /// (`tls_ca_file:`): a mesh whose boxes have certificates from a private CA.
    public var tlsCAFile: String?

    /// True when the listener serves HTTPS (both `tls_certificate` and `tls_key` are set).
    public var servesTLS: Bool { tlsCertificate != nil && tlsKey != nil }

    public init(seedPeers: [String] = [], secretFile: String? = nil, tlsCertificate: String? = nil,
                tlsKey: String? = nil, signingKeyFile: String? = nil, tlsCAFile: String? = nil) {
        self.seedPeers = seedPeers
        self.secretFile = secretFile
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.signingKeyFile = signingKeyFile
        self.tlsCAFile = tlsCAFile
    }
}
