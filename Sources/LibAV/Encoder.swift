import CFFmpeg

/// An opened encoder (video or audio). Frames in, packets out, with the send/receive states.
public final class Encoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    public let name: String
    public let kind: MediaKind
    /// The time base of the packets it returns and the frames it expects.
    public let timeBase: Rational

    /// Opens a video encoder. Unknown private options are an error naming them.
    public init(video settings: VideoEncoderSettings) throws {
        LibAVRuntime.initialize()
        let (codec, context) = try Self.allocate(settings.encoderName)
        self.context = context
        name = settings.encoderName
        kind = .video
        timeBase = settings.timeBase
        context.pointee.width = Int32(settings.width)
        context.pointee.height = Int32(settings.height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.time_base = settings.timeBase.av
        context.pointee.framerate = settings.frameRate.av
        context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        context.pointee.bit_rate = Int64(settings.bitrateKbps) * 1000
        context.pointee.rc_max_rate = Int64(settings.maxBitrateKbps) * 1000
        context.pointee.rc_buffer_size = Int32(clamping: settings.maxBitrateKbps * 1000)
        context.pointee.gop_size = Int32(settings.gopFrames)
        context.pointee.keyint_min = Int32(settings.gopFrames)
        context.pointee.max_b_frames = 0
        context.pointee.thread_count = Int32(settings.threadCount)
        // fMP4 wants codec configuration in the init segment, not in-band.
        context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        try Self.open(context, codec, settings.options, settings.encoderName)
    }

    /// Opens an audio encoder (planar float or whatever the codec prefers first).
    public init(audio settings: AudioEncoderSettings) throws {
        LibAVRuntime.initialize()
        let (codec, context) = try Self.allocate(settings.encoderName)
        self.context = context
        name = settings.encoderName
        kind = .audio
        timeBase = Rational(1, Int32(settings.sampleRate))
        context.pointee.sample_rate = Int32(settings.sampleRate)
        av_channel_layout_default(&context.pointee.ch_layout, Int32(settings.channelCount))
        context.pointee.sample_fmt = codec.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_FLTP
        context.pointee.bit_rate = Int64(settings.bitrateKbps) * 1000
        context.pointee.time_base = timeBase.av
        context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        try Self.open(context, codec, settings.options, settings.encoderName)
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&context)
    }

    private static func allocate(_ name: String) throws -> (UnsafePointer<AVCodec>, UnsafeMutablePointer<AVCodecContext>) {
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw LibAVSetupError("encoder '\(name)' is not available in this libavcodec build")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw LibAVSetupError("avcodec_alloc_context3: out of memory") }
        return (codec, context)
    }

    private static func open(_ context: UnsafeMutablePointer<AVCodecContext>, _ codec: UnsafePointer<AVCodec>, _ options: [String: String], _ name: String) throws {
        var dictionary = OptionDictionary(options)
        let code = avcodec_open2(context, codec, &dictionary.raw)
        // No free here: the initializer has set every property, so `deinit` frees the context.
        if code < 0 {
            throw AVError(code: code, operation: "avcodec_open2", context: "encoder \(name) with options \(options)")
        }
        let unknown = dictionary.leftoverKeys
        if !unknown.isEmpty {
            throw LibAVSetupError("encoder \(name) does not know option(s): \(unknown.joined(separator: ", "))")
        }
    }

    /// Samples per audio frame the encoder wants (0 when any size will do).
    public var frameSampleCount: Int { Int(context.pointee.frame_size) }
    public var sampleFormat: SampleFormat { SampleFormat(context.pointee.sample_fmt) }
    public var sampleRate: Int { Int(context.pointee.sample_rate) }
    public var channelCount: Int { Int(context.pointee.ch_layout.nb_channels) }
    public var width: Int { Int(context.pointee.width) }
    public var height: Int { Int(context.pointee.height) }

    /// The codec configuration record (avcC for H.264, an AudioSpecificConfig for AAC, …).
    public var extradata: [UInt8] {
        guard let data = context.pointee.extradata else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(context.pointee.extradata_size)))
    }

    /// Sends one frame (its pts in `timeBase`). Returns false when the encoder is full:
    /// drain packets with `receive()` and send the same frame again.
    public func send(_ frame: borrowing Frame) throws(AVError) -> Bool {
        switch try ReturnCode(avcodec_send_frame(context, frame.pointer), "avcodec_send_frame", name) {
        case .ok, .endOfStream: return true
        case .again: return false
        }
    }

    /// Signals the end of input so the encoder drains what it holds.
    public func sendEndOfStream() {
        _ = avcodec_send_frame(context, nil)
    }

    /// The next encoded packet (timestamps in `timeBase`), or the state that says why not.
    public func receive() throws(AVError) -> Step<Packet> {
        let packet = Packet()
        switch try ReturnCode(avcodec_receive_packet(context, packet.pointer), "avcodec_receive_packet", name) {
        case .ok:
            packet.timeBase = timeBase
            return .output(packet)
        case .again: return .needsInput
        case .endOfStream: return .endOfStream
        }
    }
}
