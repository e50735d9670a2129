/// What a box offers the mesh (`GET /mesh/v1/catalog`): its streams, their renditions, and
/// the path of boxes each stream came through.
public struct MeshCatalog: Sendable, Hashable, Codable {
    /// The node id of the box serving this catalog.
    public var nodeID: String
    /// The streams it can serve.
    public var streams: [CatalogEntry]

    /// A catalog.
    public init(nodeID: String, streams: [CatalogEntry]) {
        self.nodeID = nodeID
        self.streams = streams
    }

    /// The entry for a stream, if offered.
    public func entry(for stream: String) -> CatalogEntry? { streams.first { $0.stream == stream } }

    enum CodingKeys: String, CodingKey { case nodeID = "node", streams }
}

/// One stream in a catalog.
public struct CatalogEntry: Sendable, Hashable, Codable {
    /// Stream name.
    public var stream: String
    /// Node id of the origin that transcodes and signs it.
    public var originID: String
    /// Node ids the stream came through, origin first, the serving box last. An origin's
    /// own entry is `[origin]`.
    public var path: [String]
    /// Target segment duration in seconds.
    public var segmentTargetSeconds: Double
    /// Target part (chunk) duration in seconds.
    public var partTargetSeconds: Double
    /// The renditions.
    public var renditions: [CatalogRendition]

    /// A catalog entry.
    public init(
        stream: String, originID: String, path: [String], segmentTargetSeconds: Double, partTargetSeconds: Double,
        renditions: [CatalogRendition]
    ) {
        self.stream = stream
        self.originID = originID
        self.path = path
        self.segmentTargetSeconds = segmentTargetSeconds
        self.partTargetSeconds = partTargetSeconds
        self.renditions = renditions
    }

    /// The entry as a box that relays it offers it: the same, with `nodeID` appended to the path.
    public func relayed(by nodeID: String) -> CatalogEntry {
        var copy = self
        copy.path.append(nodeID)
        return copy
    }

    enum CodingKeys: String, CodingKey {
        case stream, originID = "origin", path, segmentTargetSeconds = "segment_seconds"
        case partTargetSeconds = "part_seconds", renditions
    }
}

/// One rendition of a catalog entry.
public struct CatalogRendition: Sendable, Hashable, Codable {
    /// Video or audio.
    public enum Kind: String, Sendable, Hashable, Codable {
        case video, audio
    }

    /// Rendition name.
    public var name: String
    /// Video or audio.
    public var kind: Kind
    /// Average bitrate in bits per second.
    public var averageBitrateBitsPerSecond: Int
    /// Peak bitrate in bits per second.
    public var peakBitrateBitsPerSecond: Int
    /// Picture width in pixels (video).
    public var width: Int?
    /// Picture height in pixels (video).
    public var height: Int?
    /// RFC 6381 codecs string.
    public var codecs: String

    /// A rendition.
    public init(
        name: String, kind: Kind, averageBitrateBitsPerSecond: Int, peakBitrateBitsPerSecond: Int,
        width: Int? = nil, height: Int? = nil, codecs: String
    ) {
        self.name = name
        self.kind = kind
        self.averageBitrateBitsPerSecond = averageBitrateBitsPerSecond
        self.peakBitrateBitsPerSecond = peakBitrateBitsPerSecond
        self.width = width
        self.height = height
        self.codecs = codecs
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, averageBitrateBitsPerSecond = "average_bps", peakBitrateBitsPerSecond = "peak_bps"
        case width, height, codecs
    }
}
