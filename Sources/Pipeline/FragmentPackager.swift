import LibAV

/// Packages one rendition's packets as CMAF: fragments cut exactly at part boundaries of
/// the shared clock, each handed to the sink as a `MediaPart`.
final class FragmentPackager {
    private let muxer: FragmentedMP4Muxer
    private let stream: Int
    private let clock: PartClock
    private let ticksPerSecond: Double
    private let rendition: String
    private let sink: MediaSink
    private let stats: RenditionStats
    // The part being filled: its number, first tick, end of its last packet, keyframe start.
    private var openPart: (number: Int64, startTicks: Int64, endTicks: Int64, independent: Bool)?
    private var pendingDiscontinuity = false

    init(rendition: String, encoder: Encoder, clock: PartClock, sink: MediaSink, stats: RenditionStats) throws {
        self.rendition = rendition
        self.clock = clock
        self.sink = sink
        self.stats = stats
        ticksPerSecond = 1 / encoder.timeBase.doubleValue
        muxer = try FragmentedMP4Muxer(label: rendition)
        stream = try muxer.addStream(for: encoder)
        sink.initSection(rendition: rendition, bytes: try muxer.writeHeader())
    }

    /// Adds one encoded packet; emits the open part first when the packet starts a new one,
    /// and right after it when the packet completes its part (so a part leaves with no
    /// extra frame of latency).
    func write(_ packet: consuming Packet) throws {
        let pts = packet.pts
        if packet.duration <= 0 { packet.duration = 1 }
        let end = pts + packet.duration
        let number = clock.partNumber(at: pts)
        if let open = openPart, open.number != number { try emit(endsSegment: nil) }
        if let open = openPart {
            openPart?.endTicks = max(open.endTicks, end)
        } else {
            openPart = (number, max(0, pts), end, packet.isKeyframe)
        }
        stats.recordPacket(bytes: packet.byteCount)
        try muxer.write(packet, stream: stream)
        if end >= clock.end(ofPart: number) { try emit(endsSegment: nil) }
    }

    /// Closes the open part as the end of its segment; the next part is marked as following
    /// a discontinuity.
    func markDiscontinuity() throws {
        try emit(endsSegment: true)
        try muxer.markDiscontinuity()
        pendingDiscontinuity = true
    }

    /// Flushes the last part and ends the rendition.
    func finish() throws {
        try emit(endsSegment: true)
        _ = try muxer.finish()
        sink.end(rendition: rendition)
    }

    private func emit(endsSegment forced: Bool?) throws {
        guard let open = openPart else { return }
        openPart = nil
        let bytes = try muxer.flushFragment()
        guard !bytes.isEmpty else { return }
        let position = clock.position(ofPart: open.number)
        let part = MediaPart(
            rendition: rendition, mediaSequence: position.mediaSequence, partIndex: position.partIndex,
            startSeconds: Double(open.startTicks) / ticksPerSecond,
            durationSeconds: Double(open.endTicks - open.startTicks) / ticksPerSecond,
            independent: open.independent,
            endsSegment: forced ?? (position.partIndex == clock.partsPerSegment - 1),
            followsDiscontinuity: pendingDiscontinuity, bytes: bytes)
        pendingDiscontinuity = false
        sink.part(part)
    }
}
