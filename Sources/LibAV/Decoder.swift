import CFFmpeg

/// A decoder for one stream of an `InputContext`. Keeps its parent input alive.
public final class Decoder {
    let context: UnsafeMutablePointer<AVCodecContext>
    public let input: InputContext
    public let streamIndex: Int
    /// The time base of the frames it returns (the stream's).
    public let timeBase: Rational
    public let kind: MediaKind

    /// Opens the decoder for stream `streamIndex` of `input`. `threadCount` 0 lets libav choose.
    public init(streamIndex: Int, of input: InputContext, threadCount: Int = 0) throws {
        self.input = input
        self.streamIndex = streamIndex
        let stream = input.pointer.pointee.streams[streamIndex]!
        let parameters = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = avcodec_get_name(parameters.pointee.codec_id).map { String(cString: $0) } ?? "?"
            throw LibAVSetupError("no decoder for codec '\(name)' (stream \(streamIndex) of \(input.url))")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw LibAVSetupError("avcodec_alloc_context3: out of memory") }
        self.context = context
        timeBase = Rational(stream.pointee.time_base)
        kind = parameters.pointee.codec_type == AVMEDIA_TYPE_VIDEO ? .video : .audio
        try AVError.check(avcodec_parameters_to_context(context, parameters), "avcodec_parameters_to_context", input.url)
        context.pointee.pkt_timebase = stream.pointee.time_base
        context.pointee.thread_count = Int32(threadCount)
        try AVError.check(avcodec_open2(context, codec, nil), "avcodec_open2", "decoder \(String(cString: codec.pointee.name))")
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&context)
    }

    /// Sends one packet. Returns false when the decoder is full: drain frames with
    /// `receive()` first, then send the same packet again.
    public func send(_ packet: borrowing Packet) throws(AVError) -> Bool {
        switch try ReturnCode(avcodec_send_packet(context, packet.pointer), "avcodec_send_packet", input.url) {
        case .ok, .endOfStream: return true
        case .again: return false
        }
    }

    /// Signals the end of input so the decoder drains what it holds.
    public func sendEndOfStream() {
        _ = avcodec_send_packet(context, nil)
    }

    /// The next decoded frame, or the state that says why there is none.
    public func receive() throws(AVError) -> Step<Frame> {
        let frame = Frame()
        switch try ReturnCode(avcodec_receive_frame(context, frame.pointer), "avcodec_receive_frame", input.url) {
        case .ok: return .output(frame)
        case .again: return .needsInput
        case .endOfStream: return .endOfStream
        }
    }

    /// Forgets buffered state (after a discontinuity).
    public func flush() { avcodec_flush_buffers(context) }
}
