import CFFmpeg

/// Converts pictures to one output size in yuv420p with libswscale. Adapts by itself when
/// the input size or pixel format changes mid-stream (a source that switches resolution).
public final class Scaler {
    private var context: OpaquePointer?
    public let outputWidth: Int
    public let outputHeight: Int
    private var inputShape: (width: Int32, height: Int32, format: Int32) = (0, 0, -1)

    public init(outputWidth: Int, outputHeight: Int) {
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
    }

    deinit { sws_freeContext(context) }

    /// A new frame of the output size holding `frame`'s picture; timestamps are copied.
    public func scale(_ frame: borrowing Frame) throws -> Frame {
        let input = frame.pointer.pointee
        if (input.width, input.height, input.format) != inputShape {
            // SWS_BICUBIC: the scale filter's default in the ffmpeg CLI, so output quality compares.
            context = sws_getCachedContext(
                context, input.width, input.height, AVPixelFormat(rawValue: input.format),
                Int32(outputWidth), Int32(outputHeight), AV_PIX_FMT_YUV420P, SWS_BICUBIC, nil, nil, nil)
            guard context != nil else {
                throw LibAVSetupError("no scaler from \(input.width)x\(input.height) \(frame.pixelFormat.name) to \(outputWidth)x\(outputHeight)")
            }
            inputShape = (input.width, input.height, input.format)
        }
        let output = try Frame(width: outputWidth, height: outputHeight, pixelFormat: .yuv420p)
        try AVError.check(av_frame_copy_props(output.pointer, frame.pointer), "av_frame_copy_props")
        try withUnsafePointer(to: frame.pointer.pointee.data) { sourceData throws(AVError) in
            try withUnsafePointer(to: frame.pointer.pointee.linesize) { sourceStrides throws(AVError) in
                try withUnsafeMutablePointer(to: &output.pointer.pointee.data) { targetData throws(AVError) in
                    try withUnsafeMutablePointer(to: &output.pointer.pointee.linesize) { targetStrides throws(AVError) in
                        let source = UnsafeRawPointer(sourceData).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
                        let target = UnsafeMutableRawPointer(targetData).assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self)
                        let sourceStride = UnsafeRawPointer(sourceStrides).assumingMemoryBound(to: Int32.self)
                        let targetStride = UnsafeMutableRawPointer(targetStrides).assumingMemoryBound(to: Int32.self)
                        try AVError.check(
                            sws_scale(context, source, sourceStride, 0, input.height, target, targetStride),
                            "sws_scale", "\(input.width)x\(input.height) → \(outputWidth)x\(outputHeight)")
                    }
                }
            }
        }
        return output
    }
}
