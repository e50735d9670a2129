import CFFmpeg

/// A CMAF fragmented-MP4 writer into memory: `writeHeader()` returns the init segment
/// (ftyp+moov); packets go in with `write(_:)`; `flushFragment()` cuts a fragment and returns
/// its bytes (moof+mdat), which is one CMAF chunk / LL-HLS part. The output context type of
/// LibAV: it owns its AVFormatContext and AVIO context and tears both down in `deinit`.
public final class FragmentedMP4Muxer {
    private let context: UnsafeMutablePointer<AVFormatContext>
    private let io: UnsafeMutablePointer<AVIOContext>
    private let collector = ByteCollector()
    private var encoderTimeBases: [Rational] = []
    private var headerWritten = false
    // VP8 tracks written through the VP9 sample-entry path; see `addStream`.
    private var carriesVP8 = false
    public let label: String

    /// `label` names the output in errors (e.g. the rendition).
    public init(label: String) throws {
        LibAVRuntime.initialize()
        self.label = label
        var optional: UnsafeMutablePointer<AVFormatContext>? = nil
        try AVError.check(avformat_alloc_output_context2(&optional, nil, "mp4", nil), "avformat_alloc_output_context2", label)
        guard let context = optional else { throw LibAVSetupError("no mp4 muxer in this libavformat build") }
        do {
            io = try ByteCollector.makeIOContext(collector)
        } catch {
            avformat_free_context(context)
            throw error
        }
        self.context = context
        context.pointee.pb = io
        context.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
    }

    deinit {
        avformat_free_context(context)
        ByteCollector.freeIOContext(io)
    }

    /// Adds a track carrying `encoder`'s output; returns its stream index.
    @discardableResult
    public func addStream(for encoder: Encoder) throws -> Int {
        guard let stream = avformat_new_stream(context, nil) else { throw LibAVSetupError("avformat_new_stream: out of memory") }
        try AVError.check(avcodec_parameters_from_context(stream.pointee.codecpar, encoder.context), "avcodec_parameters_from_context", label)
        stream.pointee.time_base = encoder.timeBase.av
        if stream.pointee.codecpar.pointee.codec_id == AV_CODEC_ID_VP8 {
            // libavformat 59's mp4 muxer has no `vp08` tag. The VP codec ISO-BMFF binding gives
            // VP8 and VP9 the same sample entry layout (vpcC box) under different fourccs, so
            // the track is written as VP9 and the fourcc renamed in the init segment.
            stream.pointee.codecpar.pointee.codec_id = AV_CODEC_ID_VP9
            stream.pointee.codecpar.pointee.profile = 0
            carriesVP8 = true
        }
        if encoder.kind == .video {
            stream.pointee.avg_frame_rate = encoder.context.pointee.framerate
        }
        encoderTimeBases.append(encoder.timeBase)
        return Int(stream.pointee.index)
    }

    /// Writes the header and returns the init segment. Fragments are cut only on request.
    public func writeHeader() throws -> [UInt8] {
        // cmaf: cmfc brand and CMAF constraints; frag_custom: we cut at part boundaries;
        // empty_moov: the init segment carries no samples; default_base_moof: self-contained
        // fragments; skip_trailer: a live stream has no index at the end.
        var options = OptionDictionary(["movflags": "cmaf+frag_custom+empty_moov+default_base_moof+skip_trailer"])
        try AVError.check(avformat_write_header(context, &options.raw), "avformat_write_header", label)
        headerWritten = true
        avio_flush(io)
        var bytes = collector.take()
        if carriesVP8 { Self.renameSampleEntry(in: &bytes, from: Array("vp09".utf8), to: Array("vp08".utf8)) }
        return bytes
    }

    /// Renames the sample entry fourcc inside `stsd` (same length, so no box sizes change).
    static func renameSampleEntry(in bytes: inout [UInt8], from old: [UInt8], to new: [UInt8]) {
        let stsd = Array("stsd".utf8)
        guard let stsdAt = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<$0 + 4]) == stsd }) else { return }
        // stsd: type(4) version/flags(4) entry count(4), then the entry: size(4) fourcc(4).
        let fourccAt = stsdAt + 4 + 4 + 4 + 4
        guard fourccAt + 4 <= bytes.count, Array(bytes[fourccAt..<fourccAt + 4]) == old else { return }
        bytes.replaceSubrange(fourccAt..<fourccAt + 4, with: new)
    }

    /// Queues one packet (timestamps in its encoder's time base) into the open fragment.
    public func write(_ packet: consuming Packet, stream index: Int) throws(AVError) {
        let stream = context.pointee.streams[index]!
        packet.streamIndex = index
        packet.rescaleTimestamps(from: encoderTimeBases[index], to: Rational(stream.pointee.time_base))
        try AVError.check(av_write_frame(context, packet.pointer), "av_write_frame", label)
    }

    /// Says the next fragment does not continue the previous one (a source reconnected and
    /// timestamps jump): its decode time is taken from its first packet instead of being
    /// made continuous by stretching the last sample before it.
    public func markDiscontinuity() throws(AVError) {
        try AVError.check(av_opt_set(context.pointee.priv_data, "movflags", "+frag_discont", 0), "av_opt_set(movflags)", label)
    }

    /// Closes the open fragment and returns it (empty when nothing was queued).
    public func flushFragment() throws(AVError) -> [UInt8] {
        try AVError.check(av_write_frame(context, nil), "av_write_frame(flush)", label)
        avio_flush(io)
        return collector.take()
    }

    /// Ends the stream: flushes the last fragment and returns any remaining bytes.
    public func finish() throws(AVError) -> [UInt8] {
        guard headerWritten else { return [] }
        headerWritten = false
        try AVError.check(av_write_trailer(context), "av_write_trailer", label)
        avio_flush(io)
        return collector.take()
    }
}
