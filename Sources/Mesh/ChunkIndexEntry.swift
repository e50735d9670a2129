/// One line of a rendition's chunk index: everything a box needs to know about a chunk
/// before it has the bytes, and what the origin signs so that relays need not be trusted.
///
/// Built only through the validating initialiser, so every value has a canonical encoding:
/// names are 1…255 UTF-8 bytes, the timescale is positive, the digest is 32 bytes.
public struct ChunkIndexEntry: Sendable, Hashable {
    /// Longest stream or rendition name, in UTF-8 bytes (the encoding's one-byte prefix).
    public static let maximumNameBytes = 255

    /// Stream, rendition, media sequence and part index.
    public let id: ChunkID
    /// Presentation time of the first sample, in ticks of `timescaleHz`.
    public let presentationTimeValue: Int64
    /// Ticks per second of `presentationTimeValue`; never zero.
    public let timescaleHz: UInt32
    /// Media duration in microseconds.
    public let durationMicroseconds: UInt64
    /// True when the chunk starts with a keyframe (LL-HLS `INDEPENDENT=YES`).
    public let isIndependent: Bool
    /// Length of the chunk's bytes.
    public let lengthBytes: UInt64
    /// SHA-256 of the chunk's bytes (32 bytes).
    public let sha256: [UInt8]

    /// Describes a chunk; throws when a field has no canonical encoding.
    public init(
        id: ChunkID, presentationTimeValue: Int64, timescaleHz: UInt32, durationMicroseconds: UInt64,
        isIndependent: Bool, lengthBytes: UInt64, sha256: [UInt8]
    ) throws(ChunkIndexEntryError) {
        for (field, name) in [("stream", id.stream), ("rendition", id.rendition)] {
            let count = name.utf8.count
            guard count > 0, count <= Self.maximumNameBytes else {
                throw .invalidName(field: field, lengthBytes: count)
            }
        }
        guard timescaleHz > 0 else { throw .zeroTimescale }
        guard sha256.count == 32 else { throw .invalidDigestLength(sha256.count) }
        self.id = id
        self.presentationTimeValue = presentationTimeValue
        self.timescaleHz = timescaleHz
        self.durationMicroseconds = durationMicroseconds
        self.isIndependent = isIndependent
        self.lengthBytes = lengthBytes
        self.sha256 = sha256
    }

    /// Media duration in seconds (for scheduling; the signed value stays in microseconds).
    public var durationSeconds: Double { Double(durationMicroseconds) / 1_000_000 }
}

/// Why a chunk index entry could not be built.
public enum ChunkIndexEntryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stream or rendition name is empty or longer than 255 UTF-8 bytes.
    case invalidName(field: String, lengthBytes: Int)
    /// The timescale is zero ticks per second.
    case zeroTimescale
    /// The digest is not the 32 bytes of a SHA-256.
    case invalidDigestLength(Int)
    /// The canonical encoding is truncated, has trailing bytes, a wrong magic or an unknown version.
    case malformedEncoding(String)

    public var description: String {
        switch self {
        case .invalidName(let field, let length): "\(field): name of \(length) bytes (must be 1…255)"
        case .zeroTimescale: "timescale: must be positive"
        case .invalidDigestLength(let n): "sha256: \(n) bytes (must be 32)"
        case .malformedEncoding(let why): "canonical encoding: \(why)"
        }
    }
}
