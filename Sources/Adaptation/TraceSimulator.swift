/// Replays one network trace against a selector in the standard ABR simulation model.
///
/// Each chunk's download takes one round trip plus its bytes delivered at the trace's
/// throughput (of which ``SimulationModel/payloadFraction`` carries payload), walking the
/// trace from its first sample and looping it. Playback starts with an empty buffer, so the
/// whole first download counts as rebuffering. Pure: same inputs, same outputs.
public struct TraceSimulator: Sendable {
    /// The model's constants.
    public var model: SimulationModel

    /// A simulator for `model`.
    public init(model: SimulationModel = SimulationModel()) { self.model = model }

    /// Streams `video` over `trace`, asking `selector` for every chunk after the first.
    public func run(_ selector: inout some RenditionSelector, trace: NetworkTrace,
                    video: SimulatedVideo) -> TraceResult {
        var link = TraceLink(trace: trace, payloadFraction: model.payloadFraction)
        let ladder = video.ladder
        let chunkSeconds = video.chunkSizes.chunkDurationSeconds
        var buffer = 0.0
        var rendition = model.firstRenditionIndex
        var previous = model.firstRenditionIndex
        var outcomes: [ChunkOutcome] = []
        outcomes.reserveCapacity(video.chunkCount)

        for chunk in 0..<video.chunkCount {
            if chunk > 0 {
                let context = DecisionContext(
                    ladder: ladder, chunkSizes: video.chunkSizes, nextChunkIndex: chunk,
                    chunksRemaining: video.chunkCount - chunk, bufferSeconds: buffer,
                    bufferCapacitySeconds: model.bufferCapacitySeconds, lastRenditionIndex: previous)
                rendition = min(max(selector.decide(context), 0), ladder.count - 1)
            }
            let bytes = video.chunkSizes.bytes(chunk: chunk, rendition: rendition)
            let transfer = link.transfer(bytes: bytes)
            let latestRateKbps = link.recentPayloadRate(overSeconds: model.rttSeconds) * 8 / 1000
            let download = transfer + model.rttSeconds
            let rebuffer = max(0, download - buffer)
            buffer = max(0, buffer - download) + chunkSeconds
            var sleep = 0.0
            if buffer > model.bufferCapacitySeconds {
                let excess = buffer - model.bufferCapacitySeconds
                sleep = (excess / model.drainStepSeconds).rounded(.up) * model.drainStepSeconds
                buffer -= sleep
                link.idle(seconds: sleep)
            }
            let qoe = model.weights.chunkQoE(bitrateKbps: ladder[rendition],
                                             previousBitrateKbps: ladder[previous],
                                             rebufferSeconds: rebuffer)
            outcomes.append(ChunkOutcome(
                renditionIndex: rendition, bitrateKbps: ladder[rendition], bytes: bytes,
                downloadSeconds: download, rebufferSeconds: rebuffer, bufferSecondsAfter: buffer,
                sleepSeconds: sleep, qoe: qoe))

            // What a server would see of this response: TCP_INFO (whose delivery rate is the
            // kernel's latest sample, over about the last round trip of the transfer), the
            // player's CMCD on its next request, and the delivery itself.
            selector.observe(.transport(TransportSample(
                deliveryRateKbps: latestRateKbps, deliveryRateAppLimited: false,
                rttSeconds: model.rttSeconds, minRTTSeconds: model.rttSeconds,
                congestionWindowBytes: latestRateKbps * 1000 / 8 * model.rttSeconds, totalRetransmits: 0)))
            var cmcd = CMCDReport()
            cmcd.bufferLengthMilliseconds = Int((buffer * 10).rounded()) * 100
            cmcd.measuredThroughputKbps = Int((bytes * 8 / download / 1000).rounded())
            cmcd.bufferStarvation = rebuffer > 0 && chunk > 0
            cmcd.encodedBitrateKbps = Int(ladder[rendition])
            cmcd.objectDurationMilliseconds = Int(chunkSeconds * 1000)
            selector.observe(.clientData(cmcd))
            selector.observe(.delivered(ChunkDelivery(
                renditionIndex: rendition, bytes: bytes, durationSeconds: download,
                mediaDurationSeconds: chunkSeconds)))
            previous = rendition
        }
        return TraceResult(traceName: trace.name, chunks: outcomes,
                           chunkDurationSeconds: chunkSeconds)
    }

    /// Runs a fresh selector of `kind` over every trace.
    public func run(_ kind: SelectorKind, traces: [NetworkTrace], video: SimulatedVideo) -> [TraceResult] {
        traces.map { trace in
            var selector = kind.makeSelector()
            return run(&selector, trace: trace, video: video)
        }
    }
}

/// A cursor over a looped trace.
struct TraceLink {
    let times: [Double]
    let bytesPerSecond: [Double]
    let payloadFraction: Double
    var index = 1
    var clock: Double
    // The last few (seconds, payload bytes) spans of the latest transfer, newest first, for
    // the delivery rate over its final moments.
    var recentSpans: [(seconds: Double, bytes: Double)] = []

    init(trace: NetworkTrace, payloadFraction: Double) {
        times = trace.timesSeconds
        bytesPerSecond = trace.throughputMbps.map { $0 * 1_000_000 / 8 }
        self.payloadFraction = payloadFraction
        clock = times[0]
    }

    private mutating func advance() {
        clock = times[index]
        index += 1
        if index == times.count {
            index = 1
            clock = times[0]
        }
    }

    /// Seconds the link needs to carry `bytes` of payload from the current clock; moves the clock.
    mutating func transfer(bytes: Double) -> Double {
        var sent = 0.0
        var elapsed = 0.0
        recentSpans.removeAll(keepingCapacity: true)
        while true {
            let rate = bytesPerSecond[index] * payloadFraction
            let span = times[index] - clock
            let carried = rate * span
            if sent + carried > bytes {
                let fraction = (bytes - sent) / rate
                elapsed += fraction
                clock += fraction
                remember(seconds: fraction, bytes: bytes - sent)
                return elapsed
            }
            sent += carried
            elapsed += span
            remember(seconds: span, bytes: carried)
            advance()
        }
    }

    private mutating func remember(seconds: Double, bytes: Double) {
        guard seconds > 0 else { return }
        if recentSpans.count == 8 { recentSpans.removeFirst() }
        recentSpans.append((seconds, bytes))
    }

    /// Payload bytes per second over the last `window` seconds of the latest transfer.
    func recentPayloadRate(overSeconds window: Double) -> Double {
        var seconds = 0.0
        var bytes = 0.0
        for span in recentSpans.reversed() {
            let take = min(span.seconds, window - seconds)
            bytes += span.bytes * take / span.seconds
            seconds += take
            if seconds >= window { break }
        }
        return seconds > 0 ? bytes / seconds : 0
    }

    /// Lets `seconds` of the trace pass with nothing sent.
    mutating func idle(seconds: Double) {
        var left = seconds
        while true {
            let span = times[index] - clock
            if span > left {
                clock += left
                return
            }
            left -= span
            advance()
        }
    }
}
