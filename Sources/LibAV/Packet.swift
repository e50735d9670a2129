import CFFmpeg

/// One compressed packet. Owns its AVPacket, freed in `deinit`.
public struct Packet: ~Copyable, @unchecked Sendable {
    // @unchecked: uniquely owned (~Copyable); moving it moves the only reference.
    let pointer: UnsafeMutablePointer<AVPacket>

    /// An empty packet, to be filled by a demuxer or an encoder.
    public init() {
        guard let packet = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = packet
        LiveObjects.packets.add(1, ordering: .relaxed)
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
        LiveObjects.packets.subtract(1, ordering: .relaxed)
    }

    /// Drops the payload so the packet can be reused.
    public func reset() { av_packet_unref(pointer) }

    /// A new owner of the same ref-counted payload.
    public func reference() throws(AVError) -> Packet {
        let copy = Packet()
        try AVError.check(av_packet_ref(copy.pointer, pointer), "av_packet_ref")
        return copy
    }

    public var streamIndex: Int {
        get { Int(pointer.pointee.stream_index) }
        nonmutating set { pointer.pointee.stream_index = Int32(newValue) }
    }

    /// Presentation time in `timeBase`.
    public var pts: Int64 {
        get { pointer.pointee.pts }
        nonmutating set { pointer.pointee.pts = newValue }
    }

    /// Decode time in `timeBase`.
    public var dts: Int64 {
        get { pointer.pointee.dts }
        nonmutating set { pointer.pointee.dts = newValue }
    }

    /// Duration in `timeBase`.
    public var duration: Int64 {
        get { pointer.pointee.duration }
        nonmutating set { pointer.pointee.duration = newValue }
    }

    /// The time base the timestamps are in (set by whoever produced the packet).
    public var timeBase: Rational {
        get { Rational(pointer.pointee.time_base) }
        nonmutating set { pointer.pointee.time_base = newValue.av }
    }

    public var byteCount: Int { Int(pointer.pointee.size) }
    public var isKeyframe: Bool { pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 }
    /// True when the demuxer flagged the payload as corrupt.
    public var isCorrupt: Bool { pointer.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 }

    /// Rescales every timestamp to `target`.
    public func rescaleTimestamps(from source: Rational, to target: Rational) {
        av_packet_rescale_ts(pointer, source.av, target.av)
        pointer.pointee.time_base = target.av
    }

    /// Calls `body` with the payload bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer.pointee.data, count: byteCount))
    }
}
