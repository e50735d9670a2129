/// What a rendition is, as players see it in the master playlist.
public struct RenditionDescriptor: Sendable, Hashable {
    /// Video or audio; audio is its own CMAF track, shared by every video rendition.
    public enum Kind: String, Sendable, Hashable {
        case video
        case audio
    }

    /// The rendition's name, also its path component (`/live/{stream}/{name}/…`).
    public var name: String
    /// Video or audio.
    public var kind: Kind
    /// Average bandwidth in bits per second (`AVERAGE-BANDWIDTH`).
    public var averageBandwidthBitsPerSecond: Int
    /// Peak bandwidth in bits per second (`BANDWIDTH`, before adding the audio group's).
    public var peakBandwidthBitsPerSecond: Int
    /// Picture width in pixels (video).
    public var width: Int?
    /// Picture height in pixels (video).
    public var height: Int?
    /// Frames per second (video).
    public var frameRate: Double?
    /// The RFC 6381 codecs string, e.g. `vp09.00.31.08` or `opus`.
    public var codecs: String
    /// For video: the audio group it plays with. For audio: the group it belongs to.
    public var audioGroup: String?
    /// Audio channel count (audio).
    public var channels: Int?
    /// RFC 5646 language tag (audio), e.g. `en`.
    public var language: String?

    /// Describes a video rendition.
    public static func video(
        name: String, averageBandwidthBitsPerSecond: Int, peakBandwidthBitsPerSecond: Int,
        width: Int, height: Int, frameRate: Double, codecs: String, audioGroup: String? = "audio"
    ) -> RenditionDescriptor {
        RenditionDescriptor(
            name: name, kind: .video, averageBandwidthBitsPerSecond: averageBandwidthBitsPerSecond,
            peakBandwidthBitsPerSecond: peakBandwidthBitsPerSecond, width: width, height: height,
            frameRate: frameRate, codecs: codecs, audioGroup: audioGroup, channels: nil, language: nil
        )
    }

    /// Describes an audio rendition.
    public static func audio(
        name: String, averageBandwidthBitsPerSecond: Int, peakBandwidthBitsPerSecond: Int,
        codecs: String, group: String = "audio", channels: Int = 2, language: String? = nil
    ) -> RenditionDescriptor {
        RenditionDescriptor(
            name: name, kind: .audio, averageBandwidthBitsPerSecond: averageBandwidthBitsPerSecond,
            peakBandwidthBitsPerSecond: peakBandwidthBitsPerSecond, width: nil, height: nil,
            frameRate: nil, codecs: codecs, audioGroup: group, channels: channels, language: language
        )
    }
}

/// A live stream: its timing targets and its renditions, which share one timeline.
public struct StreamDescriptor: Sendable, Hashable {
    /// The stream's name, also its path component (`/live/{name}/…`).
    public var name: String
    /// Target segment duration in seconds (one GOP); `EXT-X-TARGETDURATION` is its ceiling.
    public var segmentTargetSeconds: Double
    /// Target part duration in seconds (`PART-TARGET`); no part may be longer.
    public var partTargetSeconds: Double
    /// The renditions, in the order the master playlist lists them.
    public var renditions: [RenditionDescriptor]

    /// Describes a stream.
    public init(name: String, segmentTargetSeconds: Double, partTargetSeconds: Double, renditions: [RenditionDescriptor]) {
        self.name = name
        self.segmentTargetSeconds = segmentTargetSeconds
        self.partTargetSeconds = partTargetSeconds
        self.renditions = renditions
    }
}
