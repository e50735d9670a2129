import CFFmpeg

/// What the demuxer knows of one elementary stream.
public struct StreamInfo: Sendable, Equatable {
    public let index: Int
    public let kind: MediaKind
    public let codecName: String
    public let timeBase: Rational
    /// Guessed frame rate for video; invalid when unknown.
    public let frameRate: Rational
    public let width: Int
    public let height: Int
    public let sampleRate: Int
    public let channelCount: Int
}

/// The outcome of one demuxer read.
public enum ReadOutcome: Sendable, Equatable {
    /// The packet was filled.
    case packet
    /// Nothing available right now (non-blocking inputs); try again.
    case again
    /// The input ended.
    case endOfStream
}

/// An opened input: any libavformat URL (file, `srt://`, `rtmp://`, `udp://`, `lavfi`).
/// Owns the AVFormatContext; closed in `deinit`.
public final class InputContext {
    let pointer: UnsafeMutablePointer<AVFormatContext>
    /// The stop switch libav polls during blocking I/O; kept alive as long as the context.
    public let interrupt: InterruptFlag
    public let url: String

    /// Opens `url` and probes its streams. `format` forces a demuxer (e.g. "lavfi");
    /// `options` are demuxer/protocol options (e.g. `listen: 1`, `timeout`).
    public init(url: String, format: String? = nil, options: [String: String] = [:], interrupt: InterruptFlag = InterruptFlag()) throws {
        LibAVRuntime.initialize()
        self.url = url
        self.interrupt = interrupt
        guard var context = avformat_alloc_context() else { throw LibAVSetupError("avformat_alloc_context: out of memory") }
        context.pointee.interrupt_callback = interrupt.callback
        var dictionary = OptionDictionary(options)
        var inputFormat: UnsafePointer<AVInputFormat>? = nil
        if let format {
            inputFormat = av_find_input_format(format)
            if inputFormat == nil {
                avformat_free_context(context)
                throw LibAVSetupError("unknown input format '\(format)' for \(url)")
            }
        }
        var optional: UnsafeMutablePointer<AVFormatContext>? = context
        // On failure avformat_open_input frees the context itself.
        try AVError.check(avformat_open_input(&optional, url, inputFormat, &dictionary.raw), "avformat_open_input", url)
        context = optional!
        pointer = context
        try AVError.check(avformat_find_stream_info(pointer, nil), "avformat_find_stream_info", url)
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&context)
    }

    /// Every stream of the input.
    public var streams: [StreamInfo] {
        (0..<Int(pointer.pointee.nb_streams)).map { index in
            let stream = pointer.pointee.streams[index]!
            let parameters = stream.pointee.codecpar!.pointee
            let kind: MediaKind = switch parameters.codec_type {
            case AVMEDIA_TYPE_VIDEO: .video
            case AVMEDIA_TYPE_AUDIO: .audio
            default: .other
            }
            let name = avcodec_get_name(parameters.codec_id).map { String(cString: $0) } ?? "unknown"
            return StreamInfo(
                index: index, kind: kind, codecName: name,
                timeBase: Rational(stream.pointee.time_base),
                frameRate: Rational(av_guess_frame_rate(pointer, stream, nil)),
                width: Int(parameters.width), height: Int(parameters.height),
                sampleRate: Int(parameters.sample_rate), channelCount: Int(parameters.ch_layout.nb_channels)
            )
        }
    }

    /// The stream libav considers the main one of `kind`, if any.
    public func bestStream(_ kind: MediaKind) -> Int? {
        let type = kind == .video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO
        let index = av_find_best_stream(pointer, type, -1, -1, nil, 0)
        return index >= 0 ? Int(index) : nil
    }

    /// The container's start time in seconds, when it declares one.
    public var startTimeSeconds: Double? {
        let start = pointer.pointee.start_time
        return start == noTimestamp ? nil : Double(start) / Double(AV_TIME_BASE)
    }

    /// Name of the demuxer that opened the input, e.g. "mpegts".
    public var formatName: String { String(cString: pointer.pointee.iformat.pointee.name) }

    /// Reads the next packet into `packet` (which is reset first). Its time base is set to
    /// its stream's.
    public func read(into packet: borrowing Packet) throws(AVError) -> ReadOutcome {
        packet.reset()
        switch try ReturnCode(av_read_frame(pointer, packet.pointer), "av_read_frame", url) {
        case .ok:
            let stream = pointer.pointee.streams[packet.streamIndex]!
            packet.timeBase = Rational(stream.pointee.time_base)
            return .packet
        case .again: return .again
        case .endOfStream: return .endOfStream
        }
    }
}
