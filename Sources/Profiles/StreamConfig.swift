/// One stream a node carries (an entry of `streams:`).
public struct StreamConfig: Sendable, Equatable {
    /// Name used in paths (`/live/{name}/…`) and in the mesh; letters, digits, `-`, `_`.
    public var name: String
    /// Where the stream comes from (`source:` or `upstreams:`).
    public var input: StreamInput
    /// Resolved path of the profile file (`profile:`); nil for relayed streams.
    public var profilePath: String?
    /// The ladder this node encodes; set for every stream with a `source`, nil for relayed
    /// streams (their ladder comes from the origin).
    public var profile: Profile?
    /// Secret a pushing encoder must present (`ingest_key:`), e.g. the SRT stream id or the
    /// last RTMP path component; nil means the ingest is not checked.
    public var ingestKey: String?
    /// The origin's public key that signs the chunk index of a relayed stream
    /// (`origin_public_key:`), as written in the file.
    public var originPublicKey: String?
    /// Renditions of a relayed stream this node pulls whatever its links measure
    /// (`pinned_renditions:`): its upstreams offer them even where the link estimate would
    /// leave them out, e.g. for a relay that must carry the whole ladder. Empty: the
    /// upstreams choose from the measured links alone.
    public var pinnedRenditions: [String]

    public init(
        name: String, input: StreamInput, profilePath: String? = nil, profile: Profile? = nil,
        ingestKey: String? = nil, originPublicKey: String? = nil, pinnedRenditions: [String] = []
    ) {
        self.name = name
        self.input = input
        self.profilePath = profilePath
        self.profile = profile
        self.ingestKey = ingestKey
        self.originPublicKey = originPublicKey
        self.pinnedRenditions = pinnedRenditions
    }

    /// True when this node transcodes nothing for the stream and fills it from peers.
    public var isRelayed: Bool {
        if case .upstreams = input { return true }
        return false
    }
}

/// Where a stream's media comes from.
public enum StreamInput: Sendable, Equatable {
    /// The built-in test pattern and tone (`source: demo`).
    case demo
    /// A libav input URL (`srt://0.0.0.0:9000?mode=listener`, `rtmp://…`, `udp://…`, …).
    case url(String)
    /// A media file, path resolved against the config file's directory.
    case file(String)
    /// A generated source, as written: `demo:WxH[@FPS]` or `lavfi:GRAPH` (played at real time).
    case generated(String)
    /// Peer base URLs to pull the finished chunks from (`upstreams:`); no transcoding here.
    case upstreams([String])

    /// URL schemes a `source:` may use; the libav protocols an edge box ingests from.
    public static let sourceSchemes = ["srt", "rtmp", "rtmps", "udp", "rtp", "tcp", "http", "https", "file"]
}
