/// How a node meets and trusts its peers (`mesh:`).
public struct MeshConfig: Sendable, Equatable {
    /// Peers to contact first (`seed_peers:`), base URLs like `https://edge-2.example:8080`.
    public var seedPeers: [String]
    /// File holding this node's mesh key material (`secret_file:`), resolved against the
    /// config file's directory; it is read by the service, not here.
    public var secretFile: String?
    /// TLS certificate chain for the listener (`tls_certificate:`); set together with `tlsKey`.
    public var tlsCertificate: String?
    /// TLS private key for the listener (`tls_key:`); set together with `tlsCertificate`.
    public var tlsKey: String?

    public init(seedPeers: [String] = [], secretFile: String? = nil, tlsCertificate: String? = nil,
                tlsKey: String? = nil) {
        self.seedPeers = seedPeers
        self.secretFile = secretFile
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
    }
}
