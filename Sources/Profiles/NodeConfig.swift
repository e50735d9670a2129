/// The configuration of one edge node (`mutstream serve --config FILE`): who it is, where it
/// listens, which streams it carries, how it meets its peers, and its resource limits.
public struct NodeConfig: Sendable, Equatable {
    /// This node's name in the mesh, metrics and logs (`node_id:`, default `edge-1`).
    public var nodeID: String
    /// The one HTTP listener for players, peers and operations (`listen:`, default `0.0.0.0:8080`).
    public var listen: ListenAddress
    /// Where bare profile names resolve (`profiles_dir:`), already made absolute or
    /// relative to the working directory; nil when not set.
    public var profilesDirectory: String?
    /// The streams this node carries (`streams:`).
    public var streams: [StreamConfig]
    /// Mesh settings (`mesh:`).
    public var mesh: MeshConfig
    /// Resource limits (`limits:`).
    public var limits: NodeLimits

    public init(
        nodeID: String = "edge-1",
        listen: ListenAddress = ListenAddress(host: "0.0.0.0", port: 8080),
        profilesDirectory: String? = nil,
        streams: [StreamConfig] = [],
        mesh: MeshConfig = MeshConfig(),
        limits: NodeLimits = NodeLimits()
    ) {
        self.nodeID = nodeID
        self.listen = listen
        self.profilesDirectory = profilesDirectory
        self.streams = streams
        self.mesh = mesh
        self.limits = limits
    }

    /// The configuration `serve` runs without a config file: one stream named `demo` from
    /// the built-in test pattern through `profile`, everything else at its default.
    public static func demo(profile: Profile) -> NodeConfig {
        NodeConfig(streams: [StreamConfig(name: "demo", input: .demo, profile: profile)])
    }
}
