/// A bitrate ladder profile: how one source becomes a set of aligned renditions.
///
/// Every rendition shares one timeline: segments are `segmentSeconds` long and each starts
/// with a keyframe at the same presentation time in every rendition; each segment is cut
/// into parts (CMAF chunks, LL-HLS parts) of `partSeconds`.
public struct Profile: Sendable, Equatable {
    /// Human-readable profile name (`name:`).
    public var name: String
    /// Segment duration; one GOP per segment (`segment_seconds:`).
    public var segmentSeconds: Double
    /// Part (chunk) duration; divides the segment evenly (`part_seconds:`).
    public var partSeconds: Double
    /// Output frame rate every rendition is encoded at (`frame_rate:`, default 30).
    public var frameRate: Int
    /// The video ladder (`video:`).
    public var video: VideoLadder
    /// Audio, encoded once and shared by every rendition (`audio:`); nil for video only.
    public var audio: AudioSettings?

    public init(
        name: String, segmentSeconds: Double = 2, partSeconds: Double = 0.5, frameRate: Int = 30,
        video: VideoLadder, audio: AudioSettings? = AudioSettings()
    ) {
        self.name = name
        self.segmentSeconds = segmentSeconds
        self.partSeconds = partSeconds
        self.frameRate = frameRate
        self.video = video
        self.audio = audio
    }

    /// Frames in one segment (the GOP length).
    public var framesPerSegment: Int { Int((segmentSeconds * Double(frameRate)).rounded()) }
    /// Frames in one part.
    public var framesPerPart: Int { Int((partSeconds * Double(frameRate)).rounded()) }
}

/// Video codecs the ladder can encode.
public enum VideoCodec: String, Sendable, Equatable, CaseIterable {
    case vp9, vp8, h264
}

/// Audio codecs the ladder can encode.
public enum AudioCodec: String, Sendable, Equatable, CaseIterable {
    case opus, aac
}

/// The video part of a profile.
public struct VideoLadder: Sendable, Equatable {
    /// Codec of every rendition (`codec:`).
    public var codec: VideoCodec
    /// Encoder speed knob (`speed:`): libvpx cpu-used (0…8 for VP9, 0…16 for VP8); for
    /// x264 it picks a preset, 0 = veryslow … 8 = ultrafast (`VideoCodec.x264Preset(speed:)`).
    public var speed: Int
    /// Extra encoder options passed to libav as-is (`options:`), e.g. `{ row-mt: "1" }`.
    public var options: [String: String]
    /// Renditions, largest first by convention (`renditions:`).
    public var renditions: [Rendition]

    public init(codec: VideoCodec, speed: Int = 8, options: [String: String] = [:], renditions: [Rendition]) {
        self.codec = codec
        self.speed = speed
        self.options = options
        self.renditions = renditions
    }
}

/// One rung of the ladder.
public struct Rendition: Sendable, Equatable {
    /// Name, used in paths (`/live/{stream}/{name}/…`); letters, digits, `-`, `_`.
    public var name: String
    /// Output width in pixels (even).
    public var width: Int
    /// Output height in pixels (even).
    public var height: Int
    /// Target average bitrate (`bitrate_kbps:`).
    public var bitrateKbps: Int

    public init(name: String, width: Int, height: Int, bitrateKbps: Int) {
        self.name = name
        self.width = width
        self.height = height
        self.bitrateKbps = bitrateKbps
    }
}

/// Audio settings (`audio:`).
public struct AudioSettings: Sendable, Equatable {
    /// Codec (`codec:`), default opus.
    public var codec: AudioCodec
    /// Target bitrate (`bitrate_kbps:`), default 96.
    public var bitrateKbps: Int
    /// Output sample rate in Hz (`sample_rate:`), default 48000.
    public var sampleRate: Int
    /// Output channels (`channels:`), 1 or 2, default 2.
    public var channels: Int

    public init(codec: AudioCodec = .opus, bitrateKbps: Int = 96, sampleRate: Int = 48_000, channels: Int = 2) {
        self.codec = codec
        self.bitrateKbps = bitrateKbps
        self.sampleRate = sampleRate
        self.channels = channels
    }
}
