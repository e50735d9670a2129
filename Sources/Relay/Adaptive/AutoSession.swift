import Adaptation
import NIOCore
import Synchronization

/// One player's adaptive session: its rendition choices (``SwitchHistory``) and the selector
/// that makes them, fed with what the server sees of the player's path.
///
/// Fixed-size state, allocated once when the session is created: measuring a response and
/// deciding a segment allocate nothing.
final class AutoSession: @unchecked Sendable {
    // @unchecked: `state` has its own lock; the LRU links and keys are only touched by
    // ``AutoSessionTable`` with its lock held; everything else is immutable or atomic.

    struct State {
        var selector: any RenditionSelector
        /// The same events the selector sees, kept for reporting (metrics, admin), so that
        /// reporting needs nothing from the selector but its public interface.
        var estimator = PathEstimator()
        var history = SwitchHistory()
        var ladder: AutoLadder?
        var generation: ObjectIdentifier?
        var upSwitches = 0
        var downSwitches = 0
        var stalls = 0
        var deliveries = 0
        /// The player fetches parts (LL-HLS): it gets a preload hint, so the next segment's
        /// rendition is chosen when the previous one ends rather than when it starts.
        var fetchesParts = false
    }

    let id: UInt64
    let stream: String
    let keyKind: AutoSessionKeyKind
    let series: AutoSessionMetrics.StreamSeries
    let createdNanoseconds: UInt64
    let lastSeenNanoseconds: Atomic<UInt64>
    let state: Mutex<State>

    // Guarded by the table's lock.
    var newer: AutoSession?
    var older: AutoSession?
    var peerKey: UInt64?
    var clientSessionKey: UInt64?

    init(id: UInt64, stream: String, keyKind: AutoSessionKeyKind, selector: SelectorKind,
         series: AutoSessionMetrics.StreamSeries, nowNanoseconds: UInt64) {
        self.id = id
        self.stream = stream
        self.keyKind = keyKind
        self.series = series
        self.createdNanoseconds = nowNanoseconds
        self.lastSeenNanoseconds = Atomic(nowNanoseconds)
        self.state = Mutex(State(selector: selector.makeSelector()))
    }

    /// The id as it appears in URLs (`?s=`): 16 lower-case hex digits.
    var idText: String { Self.text(self.id) }

    static func text(_ id: UInt64) -> String {
        let hex = String(id, radix: 16)
        return String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }

    /// Parses 16 hex digits; nil otherwise.
    static func parseID(_ text: some StringProtocol) -> UInt64? {
        guard text.utf8.count == 16 else { return nil }
        return UInt64(text, radix: 16)
    }

    // MARK: Observations

    /// Folds one observation into the selector and the reporting estimator.
    func record(_ event: PathEvent) {
        let stalled = self.state.withLock { state -> Bool in
            state.selector.observe(event)
            state.estimator.record(event)
            if case .delivered = event { state.deliveries += 1 }
            guard case .clientData(let report) = event, report.bufferStarvation else { return false }
            state.stalls += 1
            return true
        }
        if stalled { self.series.stalls.increment() }
    }

    /// A finished response: its `TCP_INFO`, then (if it moved enough bytes through the path to
    /// say something) the delivery.
    ///
    /// A live player's responses are mostly app-limited (the server idles between parts), and
    /// an app-limited kernel rate is ignored, so the newest usable one may date from the last
    /// time the path was busy, e.g. congested: after the link recovers it would hold the
    /// estimate down for good. So when the kernel's sample is app-limited and the response
    /// itself moved its body faster than that newest rate, the response's rate stands in for
    /// the kernel's: it is what this connection just delivered, a lower bound on the path.
    func recordDelivery(_ delivery: ChunkDelivery?, transport: TransportSample?) {
        self.state.withLock { state in
            var transport = transport
            if let sample = transport, sample.deliveryRateAppLimited, let delivery,
               let newest = state.estimator.transportRateKbps.newest, delivery.throughputKbps > newest {
                transport?.deliveryRateKbps = delivery.throughputKbps
                transport?.deliveryRateAppLimited = false
            }
            if let transport {
                state.selector.observe(.transport(transport))
                state.estimator.record(.transport(transport))
            }
            if let delivery {
                state.selector.observe(.delivered(delivery))
                state.estimator.record(.delivered(delivery))
                state.deliveries += 1
            }
        }
    }

    // MARK: Choosing

    /// Brings the session's choices up to the live edge of `window` and returns them: every
    /// segment the playlist will list, and the one its preload hint names, has a rendition.
    /// A choice is made once per segment and never changed afterwards: for a player that
    /// fetches whole segments, when the segment's first part is out (as late as possible,
    /// with the newest measurements); for one that fetches parts, when the previous segment
    /// is complete, so the preload hint can name the part. Either way the switch falls where
    /// every rendition starts with a keyframe. nil when the stream has no segment yet.
    func advance(window: AutoWindow, ladder: AutoLadder, configuration: AutoSessionConfiguration) -> SwitchHistory? {
        self.state.withLock { state -> SwitchHistory? in
            if state.generation != window.generation || state.ladder !== ladder {
                // A new ladder or a restarted stream (its numbering starts over).
                state.history.reset()
                state.generation = window.generation
                state.ladder = ladder
            }
            if !state.history.isEmpty {
                let segments = window.renditions[state.history.current].segments
                if let first = segments.first, let last = segments.last,
                   state.history.frontier < first.mediaSequence || state.history.frontier > last.mediaSequence + 1 {
                    // Idle past the window (a paused player), or numbering went back.
                    state.history.reset()
                }
            }
            if state.history.isEmpty {
                let initial = Self.initialRendition(state: state, ladder: ladder, configuration: configuration)
                guard let first = window.renditions[initial].segments.first, let last = window.renditions[initial].segments.last else {
                    return nil
                }
                state.history.start(mediaSequence: first.mediaSequence, rendition: initial)
                if last.mediaSequence > first.mediaSequence {
                    state.history.assign(mediaSequence: last.mediaSequence, rendition: initial)
                }
            }
            // Usually zero or one step; more only after a pause shorter than the window.
            for _ in 0..<(window.renditions[state.history.current].segments.count + 2) {
                let current = state.history.current
                let frontier = state.history.frontier
                guard !window.hasEnded, let last = window.renditions[current].segments.last,
                      last.mediaSequence > frontier || (last.mediaSequence == frontier && last.isComplete && state.fetchesParts)
                else { break }
                let choice = self.decide(state: &state, ladder: ladder, nextMediaSequence: frontier + 1,
                                         current: current, configuration: configuration)
                if choice > current { state.upSwitches += 1; self.series.switchesUp.increment() }
                if choice < current { state.downSwitches += 1; self.series.switchesDown.increment() }
                state.history.assign(mediaSequence: frontier + 1, rendition: choice)
            }
            return state.history
        }
    }

    /// The rendition of a segment already chosen, or the current one.
    func renditionIndex(for mediaSequence: Int) -> Int? {
        self.state.withLock { state in
            state.history.isEmpty ? nil : state.history.rendition(at: mediaSequence) ?? state.history.current
        }
    }

    private func decide(state: inout State, ladder: AutoLadder, nextMediaSequence: Int, current: Int,
                        configuration: AutoSessionConfiguration) -> Int {
        let assumed = configuration.assumedBufferSeconds ?? ladder.segmentSeconds
        let context = DecisionContext(
            ladder: ladder.bitrates, chunkSizes: ladder.chunkSizes, nextChunkIndex: nextMediaSequence, chunksRemaining: nil,
            bufferSeconds: state.estimator.clientBufferSeconds ?? assumed,
            bufferCapacitySeconds: max(assumed, 3 * ladder.segmentSeconds), lastRenditionIndex: current
        )
        let choice = min(max(state.selector.decide(context), 0), ladder.count - 1)
        if let kbps = state.estimator.harmonicMeanThroughputKbps(newest: 5) { self.series.throughput.observe(kbps * 1000) }
        if let rtt = state.estimator.smoothedRTTSeconds { self.series.rtt.observe(rtt) }
        return choice
    }

    private static func initialRendition(state: State, ladder: AutoLadder, configuration: AutoSessionConfiguration) -> Int {
        let kbps = state.estimator.clientThroughputKbps ?? configuration.initialBitrateKbps
        return ladder.bitrates.highestIndex(notAbove: kbps)
    }

    // MARK: Reporting

    /// What the admin API shows of this session.
    func summary(nowNanoseconds: UInt64) -> AutoSessionSummary {
        let seen = self.lastSeenNanoseconds.load(ordering: .relaxed)
        return self.state.withLock { state in
            let rendition = state.history.isEmpty ? nil : state.ladder.map { $0.names[state.history.current] }
            return AutoSessionSummary(
                id: Self.text(self.id), stream: self.stream, keyKind: self.keyKind, rendition: rendition,
                estimatedThroughputBitsPerSecond: state.estimator.harmonicMeanThroughputKbps(newest: 5).map { $0 * 1000 },
                rttSeconds: state.estimator.smoothedRTTSeconds, minRTTSeconds: state.estimator.minRTTSeconds,
                clientBufferSeconds: state.estimator.clientBufferSeconds,
                upSwitches: state.upSwitches, downSwitches: state.downSwitches, clientStalls: state.stalls,
                deliveries: state.deliveries,
                idleSeconds: Double(nowNanoseconds &- min(seen, nowNanoseconds)) / 1e9,
                ageSeconds: Double(nowNanoseconds &- min(self.createdNanoseconds, nowNanoseconds)) / 1e9
            )
        }
    }

    /// The player asked for a part (a blocking reload with `_HLS_part`, or a part URL).
    func noteFetchesParts() {
        self.state.withLock { $0.fetchesParts = true }
    }

    /// The current rendition's name, nil before the first choice.
    var currentRendition: String? {
        self.state.withLock { state in
            state.history.isEmpty ? nil : state.ladder.map { $0.names[state.history.current] }
        }
    }
}

/// How a request found its session.
public enum AutoSessionKeyKind: String, Sendable, Hashable {
    /// The playlist URL's `s` argument.
    case explicit
    /// The player's CMCD session id (`sid`).
    case clientSessionID = "cmcd-sid"
    /// The client's address and `User-Agent`.
    case peer
}

/// One auto session as the admin API shows it.
public struct AutoSessionSummary: Sendable, Hashable {
    /// The session id (`?s=` of its playlist URL).
    public var id: String
    /// Stream name.
    public var stream: String
    /// How its requests are matched to it.
    public var keyKind: AutoSessionKeyKind
    /// Rendition of the newest segment chosen, nil before the first choice.
    public var rendition: String?
    /// Harmonic mean of recent delivery throughputs (or the player's or the kernel's measure).
    public var estimatedThroughputBitsPerSecond: Double?
    /// Latest smoothed TCP round trip.
    public var rttSeconds: Double?
    /// Lowest TCP round trip seen.
    public var minRTTSeconds: Double?
    /// Latest buffer level the player reported (CMCD `bl`).
    public var clientBufferSeconds: Double?
    /// Switches to a higher rendition.
    public var upSwitches: Int
    /// Switches to a lower rendition.
    public var downSwitches: Int
    /// Stalls the player reported (CMCD `bs`).
    public var clientStalls: Int
    /// Responses measured.
    public var deliveries: Int
    /// Seconds since the session's last request.
    public var idleSeconds: Double
    /// Seconds since the session was created.
    public var ageSeconds: Double
}

extension AutoSession {
    /// The ladder index of a rendition this session chooses between, with the ladder; nil for
    /// other renditions (audio) or before the first playlist.
    func ladderPosition(of rendition: some StringProtocol, fetchingPart: Bool) -> (Int, AutoLadder)? {
        self.state.withLock { state in
            guard let ladder = state.ladder, let index = ladder.index(of: rendition) else { return nil }
            if fetchingPart { state.fetchesParts = true }
            return (index, ladder)
        }
    }
}
