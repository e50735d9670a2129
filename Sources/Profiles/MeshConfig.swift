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
    /// A relayed rendition nobody (player or downstream peer) has read for this long is no
    /// longer pulled (`pull_idle_seconds:`, default 30); 0 pulls every rendition always.
    public var pullIdleSeconds: Double = 30

    public init(seedPeers: [String] = [], secretFile: String? = nil, tlsCertificate: String? = nil,
                tlsKey: String? = nil, signingKeyFile: String? = nil) {
        self.seedPeers = seedPeers
        self.secretFile = secretFile
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.signingKeyFile = signingKeyFile
    }
}
