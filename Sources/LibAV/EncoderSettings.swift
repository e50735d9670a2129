/// Everything needed to open a video encoder.
public struct VideoEncoderSettings: Sendable, Equatable {
    /// libav encoder name: "libvpx-vp9", "libvpx" (VP8) or "libx264".
    public var encoderName: String
    public var width: Int
    public var height: Int
    /// Frame time base; with a constant frame rate, 1/fps so that pts counts frames.
    public var timeBase: Rational
    public var frameRate: Rational
    public var bitrateKbps: Int
    /// Peak rate for the rate controller's buffer model.
    public var maxBitrateKbps: Int
    /// Frames between keyframes (one GOP per segment).
    public var gopFrames: Int
    /// Encoder-internal threads.
    public var threadCount: Int
    /// Private encoder options (cpu-used, deadline, preset, …), passed through as-is.
    public var options: [String: String]

    public init(
        encoderName: String, width: Int, height: Int, timeBase: Rational, frameRate: Rational,
        bitrateKbps: Int, maxBitrateKbps: Int, gopFrames: Int, threadCount: Int, options: [String: String]
    ) {
        self.encoderName = encoderName
        self.width = width
        self.height = height
        self.timeBase = timeBase
        self.frameRate = frameRate
        self.bitrateKbps = bitrateKbps
        self.maxBitrateKbps = maxBitrateKbps
        self.gopFrames = gopFrames
        self.threadCount = threadCount
        self.options = options
    }
}

/// Everything needed to open an audio encoder.
public struct AudioEncoderSettings: Sendable, Equatable {
    /// libav encoder name: "libopus" or "aac".
    public var encoderName: String
    public var sampleRate: Int
    public var channelCount: Int
    public var bitrateKbps: Int
    public var options: [String: String]

    public init(encoderName: String, sampleRate: Int, channelCount: Int, bitrateKbps: Int, options: [String: String] = [:]) {
        self.encoderName = encoderName
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.bitrateKbps = bitrateKbps
        self.options = options
    }
}
