/// What a rendition is, for playlists and catalogs.
public struct RenditionDescriptor: Sendable, Equatable {
    public enum Kind: String, Sendable { case video, audio }
    public var name: String
    public var kind: Kind
    /// Video size; 0 for audio.
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int
    /// The profile's target bitrate.
    public var bitrateKbps: Int
    /// RFC 6381 codec string, e.g. `vp09.00.31.08`.
    public var codecs: String
    public var segmentSeconds: Double
    public var partSeconds: Double

    public init(name: String, kind: Kind, width: Int, height: Int, framesPerSecond: Int, bitrateKbps: Int,
                codecs: String, segmentSeconds: Double, partSeconds: Double) {
        self.name = name
        self.kind = kind
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.bitrateKbps = bitrateKbps
        self.codecs = codecs
        self.segmentSeconds = segmentSeconds
        self.partSeconds = partSeconds
    }
}

/// One CMAF chunk (moof+mdat) of one rendition, which is also one LL-HLS part.
public struct MediaPart: Sendable {
    public var rendition: String
    /// The segment it belongs to (EXT-X-MEDIA-SEQUENCE numbering).
    public var mediaSequence: Int
    /// Its index inside the segment.
    public var partIndex: Int
    /// Presentation time of its first sample on the stream's timeline.
    public var startSeconds: Double
    public var durationSeconds: Double
    /// Starts with a keyframe (always true for part 0 of a video segment).
    public var independent: Bool
    /// The last part of its segment.
    public var endsSegment: Bool
    /// The first part after a source discontinuity (reconnect).
    public var followsDiscontinuity: Bool
    public var bytes: [UInt8]
}

/// Where the ladder's output goes: files on disk (`transcode`) or the chunk store (`serve`).
/// Called from the lanes' threads concurrently; implementations synchronise themselves.
public protocol MediaSink: AnyObject, Sendable {
    /// The renditions about to be produced, before any init section.
    func begin(renditions: [RenditionDescriptor])
    /// A rendition's init segment (ftyp+moov).
    func initSection(rendition: String, bytes: [UInt8])
    /// A finished part.
    func part(_ part: MediaPart)
    /// A rendition ended (end of input or stop).
    func end(rendition: String)
}
