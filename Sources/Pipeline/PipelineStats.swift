import Synchronization

/// Counters of one rendition lane, read by metrics while the lane runs.
public final class RenditionStats: Sendable {
    public let name: String
    private let frames = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)
    private let encodeNanoseconds = Atomic<Int>(0)
    private let queued = Atomic<Int>(0)

    init(name: String) { self.name = name }

    /// Frames (or audio blocks) encoded.
    public var framesEncoded: Int { frames.load(ordering: .relaxed) }
    /// Encoded bytes out (before packaging).
    public var bytesOut: Int { bytes.load(ordering: .relaxed) }
    /// Time spent scaling and encoding, for the realtime factor.
    public var encodeSeconds: Double { Double(encodeNanoseconds.load(ordering: .relaxed)) / 1e9 }
    /// Frames waiting in the lane's queue.
    public var queueDepth: Int { queued.load(ordering: .relaxed) }

    func recordFrame(nanoseconds: Int) {
        frames.add(1, ordering: .relaxed)
        encodeNanoseconds.add(nanoseconds, ordering: .relaxed)
    }
    func recordPacket(bytes count: Int) { bytes.add(count, ordering: .relaxed) }
    func setQueueDepth(_ depth: Int) { queued.store(depth, ordering: .relaxed) }
}

/// Whether the source is delivering.
public enum IngestState: Int, Sendable {
    case connecting = 0, producing = 1, reconnecting = 2, ended = 3
}

/// Counters of one transcoding session.
public final class PipelineStats: Sendable {
    private let state = Atomic<Int>(IngestState.connecting.rawValue)
    private let inputFrames = Atomic<Int>(0)
    private let inputBytes = Atomic<Int>(0)
    private let decodeErrors = Atomic<Int>(0)
    private let corruptPackets = Atomic<Int>(0)
    private let droppedFrames = Atomic<Int>(0)
    private let reconnects = Atomic<Int>(0)
    private let outputFrames = Atomic<Int>(0)
    private let renditionList = Mutex<[RenditionStats]>([])

    public init() {}

    public var ingestState: IngestState { IngestState(rawValue: state.load(ordering: .relaxed)) ?? .connecting }
    /// Decoded video frames from the source.
    public var inputFrameCount: Int { inputFrames.load(ordering: .relaxed) }
    /// Compressed bytes read from the source.
    public var inputByteCount: Int { inputBytes.load(ordering: .relaxed) }
    /// Packets the decoder rejected.
    public var decodeErrorCount: Int { decodeErrors.load(ordering: .relaxed) }
    /// Packets flagged corrupt by the demuxer and skipped.
    public var corruptPacketCount: Int { corruptPackets.load(ordering: .relaxed) }
    /// Source frames that fell between output frames (source faster than the profile rate).
    public var droppedFrameCount: Int { droppedFrames.load(ordering: .relaxed) }
    /// Times the source was reopened after a loss.
    public var reconnectCount: Int { reconnects.load(ordering: .relaxed) }
    /// Frames placed on the output timeline (the timeline position).
    public var outputFrameCount: Int { outputFrames.load(ordering: .relaxed) }
    public var renditions: [RenditionStats] { renditionList.withLock { $0 } }

    func setState(_ value: IngestState) { state.store(value.rawValue, ordering: .relaxed) }
    func addInput(bytes: Int) { inputBytes.add(bytes, ordering: .relaxed) }
    func addInputFrame() { inputFrames.add(1, ordering: .relaxed) }
    func addDecodeError() { decodeErrors.add(1, ordering: .relaxed) }
    func addCorruptPacket() { corruptPackets.add(1, ordering: .relaxed) }
    func addDroppedFrame() { droppedFrames.add(1, ordering: .relaxed) }
    func addReconnect() { reconnects.add(1, ordering: .relaxed) }
    func setOutputFrames(_ count: Int) { outputFrames.store(count, ordering: .relaxed) }
    func register(_ rendition: RenditionStats) { renditionList.withLock { $0.append(rendition) } }
}
