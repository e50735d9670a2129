extension VideoCodec {
    /// Valid values of `video.speed` for this codec.
    ///
    /// VP9 and VP8 pass it to libvpx as `cpu-used` (live encoding typically uses 5…8 for
    /// VP9 and 8…16 for VP8); H.264 maps it to an x264 preset, see `x264Preset(speed:)`.
    public var speedRange: ClosedRange<Int> {
        switch self {
        case .vp9: 0...8  // the libvpx-vp9 wrapper of libavcodec 59 rejects cpu-used 9
        case .vp8: 0...16
        case .h264: 0...(VideoCodec.x264Presets.count - 1)
        }
    }

    /// x264 presets from slowest (speed 0) to fastest (speed 8).
    public static let x264Presets = [
        "veryslow", "slower", "slow", "medium", "fast", "faster", "veryfast", "superfast", "ultrafast",
    ]

    /// The x264 preset for `speed`, clamped into range (validated profiles are always in it).
    public static func x264Preset(speed: Int) -> String {
        x264Presets[min(max(speed, 0), x264Presets.count - 1)]
    }
}
