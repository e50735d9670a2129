import CFFmpeg

/// A raw picture layout (libav's AVPixelFormat), named for what the pipeline uses.
public struct PixelFormat: Sendable, Equatable, Hashable {
    let raw: AVPixelFormat
    init(_ raw: AVPixelFormat) { self.raw = raw }

    public static let yuv420p = PixelFormat(AV_PIX_FMT_YUV420P)
    public static let none = PixelFormat(AV_PIX_FMT_NONE)

    /// libav's name, e.g. "yuv420p".
    public var name: String { av_get_pix_fmt_name(raw).map { String(cString: $0) } ?? "none" }
}

/// A raw audio sample layout (libav's AVSampleFormat).
public struct SampleFormat: Sendable, Equatable, Hashable {
    let raw: AVSampleFormat
    init(_ raw: AVSampleFormat) { self.raw = raw }

    public static let float32Planar = SampleFormat(AV_SAMPLE_FMT_FLTP)
    public static let int16 = SampleFormat(AV_SAMPLE_FMT_S16)

    /// libav's name, e.g. "fltp".
    public var name: String { av_get_sample_fmt_name(raw).map { String(cString: $0) } ?? "none" }
}

/// Which kind of elementary stream.
public enum MediaKind: Sendable, Equatable {
    case video, audio, other
}
