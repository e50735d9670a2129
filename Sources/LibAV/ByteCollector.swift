import CFFmpeg

/// Where a muxer's AVIO write callback puts bytes: appended to a Swift array that the owner
/// takes after each fragment flush.
final class ByteCollector {
    var bytes: [UInt8] = []

    /// Takes everything written so far.
    func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    /// An AVIOContext whose writes land in `collector`. The context holds an unretained
    /// reference: the owner keeps `collector` alive for the context's lifetime.
    static func makeIOContext(_ collector: ByteCollector, bufferSize: Int = 64 * 1024) throws -> UnsafeMutablePointer<AVIOContext> {
        guard let buffer = av_malloc(bufferSize) else { throw LibAVSetupError("av_malloc: out of memory") }
        let opaque = Unmanaged.passUnretained(collector).toOpaque()
        guard let io = avio_alloc_context(
            buffer.assumingMemoryBound(to: UInt8.self), Int32(bufferSize), 1, opaque, nil,
            { opaque, data, size in
                guard let opaque, let data, size > 0 else { return 0 }
                let collector = Unmanaged<ByteCollector>.fromOpaque(opaque).takeUnretainedValue()
                collector.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(size)))
                return size
            }, nil)
        else {
            av_free(buffer)
            throw LibAVSetupError("avio_alloc_context: out of memory")
        }
        return io
    }

    /// Frees an AVIOContext made by `makeIOContext` and its buffer.
    static func freeIOContext(_ io: UnsafeMutablePointer<AVIOContext>) {
        av_freep(&io.pointee.buffer)
        var context: UnsafeMutablePointer<AVIOContext>? = io
        avio_context_free(&context)
    }
}
