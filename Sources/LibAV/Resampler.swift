import CFFmpeg

/// Converts decoded audio to an encoder's sample format, rate and channel count, and cuts it
/// into frames of exactly the encoder's frame size (libswresample + an audio FIFO).
/// Adapts by itself when the input's rate, format or channel count changes.
public final class Resampler {
    private var context: OpaquePointer?
    private let fifo: OpaquePointer
    private var inputShape: (rate: Int32, format: Int32, channels: Int32) = (0, -1, 0)
    private var outputLayout = AVChannelLayout()
    public let outputRate: Int
    public let outputFormat: SampleFormat
    public let outputChannels: Int
    /// Samples per output frame.
    public let frameSampleCount: Int
    /// Samples handed out so far: the pts of the next frame in 1/outputRate.
    public private(set) var nextPts: Int64 = 0

    public init(outputRate: Int, outputFormat: SampleFormat, outputChannels: Int, frameSampleCount: Int) throws {
        self.outputRate = outputRate
        self.outputFormat = outputFormat
        self.outputChannels = outputChannels
        self.frameSampleCount = frameSampleCount > 0 ? frameSampleCount : 1024
        guard let fifo = av_audio_fifo_alloc(outputFormat.raw, Int32(outputChannels), Int32(self.frameSampleCount * 4)) else {
            throw LibAVSetupError("av_audio_fifo_alloc: out of memory")
        }
        self.fifo = fifo
        av_channel_layout_default(&outputLayout, Int32(outputChannels))
    }

    deinit {
        swr_free(&context)
        av_audio_fifo_free(fifo)
        av_channel_layout_uninit(&outputLayout)
    }

    /// Restarts the output clock at `pts` (in 1/outputRate), dropping buffered samples:
    /// used to keep audio on the shared timeline after a source reconnects.
    public func restart(atPts pts: Int64) {
        av_audio_fifo_reset(fifo)
        nextPts = pts
    }

    /// Converts `frame` and queues the result.
    public func push(_ frame: borrowing Frame) throws {
        let input = frame.pointer
        let shape = (input.pointee.sample_rate, input.pointee.format, input.pointee.ch_layout.nb_channels)
        if shape != inputShape {
            swr_free(&context)
            let code = swr_alloc_set_opts2(
                &context, &outputLayout, outputFormat.raw, Int32(outputRate),
                &input.pointee.ch_layout, AVSampleFormat(rawValue: input.pointee.format), input.pointee.sample_rate, 0, nil)
            try AVError.check(code, "swr_alloc_set_opts2")
            try AVError.check(swr_init(context), "swr_init", "\(shape.0) Hz → \(outputRate) Hz")
            inputShape = shape
        }
        let capacity = Int32(swr_get_out_samples(context, input.pointee.nb_samples))
        guard capacity > 0 else { return }
        let converted = Frame()
        converted.pointer.pointee.format = outputFormat.raw.rawValue
        converted.pointer.pointee.sample_rate = Int32(outputRate)
        converted.pointer.pointee.nb_samples = capacity
        try AVError.check(av_channel_layout_copy(&converted.pointer.pointee.ch_layout, &outputLayout), "av_channel_layout_copy")
        try AVError.check(av_frame_get_buffer(converted.pointer, 0), "av_frame_get_buffer", "audio")
        let source = UnsafeMutableRawPointer(input.pointee.extended_data!).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        let produced = try AVError.check(
            swr_convert(context, converted.pointer.pointee.extended_data, capacity, source, input.pointee.nb_samples),
            "swr_convert")
        guard produced > 0 else { return }
        let written = av_audio_fifo_write(
            fifo, UnsafeMutableRawPointer(converted.pointer.pointee.extended_data!).assumingMemoryBound(to: UnsafeMutableRawPointer?.self), produced)
        try AVError.check(written, "av_audio_fifo_write")
    }

    /// The next frame of exactly `frameSampleCount` samples, or with `draining` whatever is
    /// left; nil when not enough is queued. Its pts counts samples on the output clock.
    public func pull(draining: Bool = false) throws -> Frame? {
        let available = Int(av_audio_fifo_size(fifo))
        guard available >= frameSampleCount || (draining && available > 0) else { return nil }
        let count = min(available, frameSampleCount)
        let frame = Frame()
        frame.pointer.pointee.format = outputFormat.raw.rawValue
        frame.pointer.pointee.sample_rate = Int32(outputRate)
        frame.pointer.pointee.nb_samples = Int32(count)
        try AVError.check(av_channel_layout_copy(&frame.pointer.pointee.ch_layout, &outputLayout), "av_channel_layout_copy")
        try AVError.check(av_frame_get_buffer(frame.pointer, 0), "av_frame_get_buffer", "audio")
        let read = av_audio_fifo_read(
            fifo, UnsafeMutableRawPointer(frame.pointer.pointee.extended_data!).assumingMemoryBound(to: UnsafeMutableRawPointer?.self), Int32(count))
        try AVError.check(read, "av_audio_fifo_read")
        frame.pts = nextPts
        frame.duration = Int64(count)
        nextPts += Int64(count)
        return frame
    }
}
