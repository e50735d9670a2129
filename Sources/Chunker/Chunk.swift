/// What a chunk holds, as the relay frame header carries it.
public enum ChunkKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Bytes no scanner recognised (leading garbage, an unknown stream).
    case opaque = 0
    /// A CMAF initialisation segment: `ftyp` + `moov`.
    case cmafInit = 1
    /// A CMAF media chunk: `moof` + `mdat` (with any `styp`/`sidx`/`prft`/`emsg` before it).
    case cmafMedia = 2
    /// Whole MPEG-TS packets, starting with PAT/PMT where the stream repeats them.
    case transportStream = 3
    /// Annex-B H.264 access units.
    case annexBH264 = 4
    /// Annex-B HEVC access units.
    case annexBHEVC = 5

    public var description: String {
        switch self {
        case .opaque: "opaque"
        case .cmafInit: "init"
        case .cmafMedia: "cmaf"
        case .transportStream: "ts"
        case .annexBH264: "h264"
        case .annexBHEVC: "hevc"
        }
    }
}

/// A media timestamp: always a value together with its time base.
public struct MediaTime: Sendable, Hashable, CustomStringConvertible {
    /// Ticks of `timescaleHz`.
    public var value: Int64
    /// Ticks per second; never zero.
    public var timescaleHz: UInt32

    public init(value: Int64, timescaleHz: UInt32) {
        precondition(timescaleHz > 0, "a timescale of zero ticks per second is no time base")
        self.value = value
        self.timescaleHz = timescaleHz
    }

    /// The time in seconds (for display; arithmetic stays in ticks).
    public var seconds: Double { Double(value) / Double(timescaleHz) }

    public var description: String { "\(value)/\(timescaleHz)" }
}

/// One chunk of a stream: a byte range of the input and what it holds.
///
/// A chunk is a descriptor, not a copy: its bytes are `offsetBytes ..< offsetBytes +
/// lengthBytes` of the stream the caller fed, which stay in the caller's buffers. Chunks tile
/// the stream: each starts where the previous one ended, and the lengths add up to the input.
public struct Chunk: Sendable, Hashable {
    /// Where the chunk starts, counted from the first byte fed.
    public var offsetBytes: UInt64
    /// How many bytes it spans.
    public var lengthBytes: UInt64
    /// What it holds.
    public var kind: ChunkKind
    /// Whether a decoder can start here (IDR/IRAP, random-access point, sync sample).
    public var isKeyframe: Bool
    /// Presentation (for CMAF: `tfdt` decode) time of its first sample, where the container
    /// carries one.
    public var presentationTime: MediaTime?
    /// XXH3-64 of its bytes (equals `xxhsum -H3` of them).
    public var checksum: UInt64

    public init(
        offsetBytes: UInt64, lengthBytes: UInt64, kind: ChunkKind, isKeyframe: Bool,
        presentationTime: MediaTime?, checksum: UInt64
    ) {
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
        self.kind = kind
        self.isKeyframe = isKeyframe
        self.presentationTime = presentationTime
        self.checksum = checksum
    }

    /// One past the last byte.
    public var endOffsetBytes: UInt64 { offsetBytes + lengthBytes }
}

/// How a stream ended, reported by `finish`.
public enum ChunkStreamEnd: Sendable, Hashable {
    /// The last unit (box, packet) was whole.
    case complete
    /// The stream stopped inside a unit: `missingBytes` more were announced (0 if unknown).
    case truncated(unit: String, atOffsetBytes: UInt64, missingBytes: UInt64)
    /// The structure broke at `atOffsetBytes`; the rest went into one opaque chunk.
    case malformed(reason: String, atOffsetBytes: UInt64)
}

/// A streaming chunker: bytes in, in pieces of any size; chunks out, identical whatever the
/// piece sizes.
///
/// `feed` may emit any number of chunks (each one complete: its end is known); `finish` emits
/// the last one. Neither copies payload bytes nor allocates per chunk: a chunker keeps a few
/// hundred bytes of header state plus, for CMAF, one reusable buffer for `moof`/`moov` boxes.
public protocol StreamChunker {
    /// Scans the next piece of the stream and emits every chunk that ends in it.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Chunk) -> Void)
    /// Ends the stream: emits the last chunk and says whether the stream ended cleanly.
    @discardableResult
    mutating func finish(emit: (Chunk) -> Void) -> ChunkStreamEnd
}
