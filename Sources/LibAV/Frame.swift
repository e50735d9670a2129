import CFFmpeg

/// One decoded picture or block of audio samples. Owns its AVFrame, freed in `deinit`;
/// moving it down the pipeline moves the ownership. `reference()` makes a second owner of
/// the same ref-counted buffers (no pixel copy) for fanning out to several renditions.
public struct Frame: ~Copyable, @unchecked Sendable {
    // @unchecked: the frame is uniquely owned (~Copyable), so handing it to another thread
    // hands over the only reference.
    let pointer: UnsafeMutablePointer<AVFrame>

    /// An empty frame, to be filled by a decoder, scaler or encoder input.
    public init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = frame
        LiveObjects.frames.add(1, ordering: .relaxed)
    }

    /// A blank video frame with its own buffers (for generated pictures and tests).
    public init(width: Int, height: Int, pixelFormat: PixelFormat) throws(AVError) {
        self.init()
        pointer.pointee.width = Int32(width)
        pointer.pointee.height = Int32(height)
        pointer.pointee.format = pixelFormat.raw.rawValue
        try AVError.check(av_frame_get_buffer(pointer, 0), "av_frame_get_buffer", "\(width)x\(height)")
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
        LiveObjects.frames.subtract(1, ordering: .relaxed)
    }

    /// A new owner of the same buffers.
    public func reference() throws(AVError) -> Frame {
        let copy = Frame()
        try AVError.check(av_frame_ref(copy.pointer, pointer), "av_frame_ref")
        return copy
    }

    /// Drops the buffers so the frame can be reused.
    public func reset() { av_frame_unref(pointer) }

    /// Presentation time in `timeBase` units of whoever produced it.
    public var pts: Int64 {
        get { pointer.pointee.pts }
        nonmutating set { pointer.pointee.pts = newValue }
    }

    /// The decoder's best guess at the presentation time.
    public var bestEffortTimestamp: Int64 { pointer.pointee.best_effort_timestamp }

    /// Duration in the producer's time base, 0 when unknown.
    public var duration: Int64 {
        get { pointer.pointee.pkt_duration }
        nonmutating set { pointer.pointee.pkt_duration = newValue }
    }

    public var width: Int { Int(pointer.pointee.width) }
    public var height: Int { Int(pointer.pointee.height) }
    public var pixelFormat: PixelFormat { PixelFormat(AVPixelFormat(rawValue: pointer.pointee.format)) }
    public var sampleFormat: SampleFormat { SampleFormat(AVSampleFormat(rawValue: pointer.pointee.format)) }
    public var sampleCount: Int { Int(pointer.pointee.nb_samples) }
    public var sampleRate: Int { Int(pointer.pointee.sample_rate) }
    public var channelCount: Int { Int(pointer.pointee.ch_layout.nb_channels) }

    /// True when the decoder flagged the frame as corrupt.
    public var isCorrupt: Bool { pointer.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 }

    /// Asks an encoder to make this frame a keyframe (the segment-alignment lever).
    public var forcesKeyframe: Bool {
        get { pointer.pointee.pict_type == AV_PICTURE_TYPE_I }
        nonmutating set { pointer.pointee.pict_type = newValue ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE }
    }

    /// Fills a yuv420p frame with a moving gradient (for tests and synthetic sources).
    public func fillTestPattern(index: Int) throws(AVError) {
        try AVError.check(av_frame_make_writable(pointer), "av_frame_make_writable")
        let frame = pointer.pointee
        let planes = [(frame.data.0, frame.linesize.0, 1), (frame.data.1, frame.linesize.1, 2), (frame.data.2, frame.linesize.2, 2)]
        for (plane, (data, stride, subsampling)) in planes.enumerated() {
            guard let data else { continue }
            let rows = height / subsampling, columns = width / subsampling
            for y in 0..<rows {
                let row = data + y * Int(stride)
                for x in 0..<columns { row[x] = UInt8(truncatingIfNeeded: x + y + index * 3 + plane * 64) }
            }
        }
    }
}
