/// The multi-source pull decision: which upstream each chunk is requested from, when to
/// give up on a request, when to hedge, what to store, whom to demote.
///
/// A pure state machine: the puller's I/O loop feeds it ``PullEvent``s with the time they
/// happened and carries out the ``PullAction``s it returns; it does no I/O and reads no
/// clock, so a recorded event script replays to the same actions. One scheduler serves one
/// pulled stream (its renditions share the upstreams' estimates). Its state is bounded: at
/// most ``PullSchedulerConfiguration/maximumPendingChunks`` chunks, each with at most two
/// requests in flight, and one record per upstream.
public struct PullScheduler: Sendable {
    /// The tuning.
    public let configuration: PullSchedulerConfiguration
    var upstreams: [UpstreamState] = []
    /// Chunks known from the index and not yet stored or abandoned, oldest first.
    var pending: [PendingChunk] = []
    /// Newest chunk accepted from the index per "stream/rendition": older entries are ignored.
    var newestIndexed: [String: ChunkID] = [:]

    /// A scheduler with no upstreams and no chunks.
    public init(configuration: PullSchedulerConfiguration = PullSchedulerConfiguration()) {
        self.configuration = configuration
    }

    /// Folds one event in and returns what to do now.
    public mutating func handle(_ event: PullEvent, at now: Double) -> [PullAction] {
        var actions: [PullAction] = []
        switch event {
        case .upstreamAdded(let id):
            if upstreamIndex(id) == nil { upstreams.append(UpstreamState(id: id)) }
        case .upstreamRemoved(let id):
            removeUpstream(id, actions: &actions)
        case .indexEntryAvailable(let entry, let upstream):
            accept(entry, from: upstream, now: now, actions: &actions)
        case .requestStarted(let chunk, let upstream):
            if let (p, a) = attemptIndex(chunk, upstream) {
                pending[p].attempts[a].requestedAtSeconds = now
                pending[p].attempts[a].lastActivitySeconds = now
            }
        case .bytesReceived(let chunk, let upstream, let count):
            received(count, of: chunk, from: upstream, now: now)
        case .chunkCompleted(let chunk, let upstream):
            completed(chunk, from: upstream, now: now, actions: &actions)
        case .chunkFailed(let chunk, let upstream, let reason):
            failed(chunk, from: upstream, reason: reason, now: now, actions: &actions)
        case .verificationFailed(let chunk, let upstream):
            verificationFailed(chunk, from: upstream, now: now, actions: &actions)
        case .renditionStopped(let stream, let rendition):
            stopRendition(stream: stream, rendition: rendition, actions: &actions)
        case .tick:
            break
        }
        checkTimers(now: now, actions: &actions)
        assign(now: now, actions: &actions)
        return actions
    }

    /// The estimate of an upstream, for metrics; nil if unknown.
    public func estimate(of upstream: UpstreamID) -> UpstreamEstimate? {
        upstreamIndex(upstream).map { upstreams[$0].estimate }
    }

    /// The upstreams, in the order they were added.
    public var upstreamIDs: [UpstreamID] { upstreams.map(\.id) }

    /// Chunks known and not yet stored.
    public var pendingChunks: [ChunkID] { pending.map(\.entry.id) }

    /// Requests in flight, as (chunk, upstream) pairs.
    public var requestsInFlight: [(chunk: ChunkID, upstream: UpstreamID)] {
        pending.flatMap { p in p.attempts.map { (p.entry.id, $0.upstream) } }
    }

    /// Sum of the measured throughputs of the usable (not demoted) upstreams: what the
    /// scheduler expects to pull in aggregate, in bytes per second.
    public var predictedAggregateThroughputBytesPerSecond: Double {
        upstreams.filter { !$0.estimate.isDemoted }.reduce(0) { $0 + ($1.estimate.throughputBytesPerSecond ?? 0) }
    }

    func upstreamIndex(_ id: UpstreamID) -> Int? { upstreams.firstIndex { $0.id == id } }

    func pendingIndex(_ chunk: ChunkID) -> Int? { pending.firstIndex { $0.entry.id == chunk } }

    func attemptIndex(_ chunk: ChunkID, _ upstream: UpstreamID) -> (Int, Int)? {
        guard let p = pendingIndex(chunk), let a = pending[p].attempts.firstIndex(where: { $0.upstream == upstream }) else {
            return nil
        }
        return (p, a)
    }
}

/// A chunk known from the index, not yet stored.
struct PendingChunk: Sendable {
    let entry: ChunkIndexEntry
    /// The chunk indexed before it on the same rendition, if any.
    let predecessor: ChunkID?
    let indexedAtSeconds: Double
    /// The chunk's duration for the timing rules, never below 50 ms.
    let durationSeconds: Double
    var attempts: [Attempt] = []
    /// Upstreams that failed this chunk: not asked again while another can serve it.
    var excluded: Set<UpstreamID> = []

    init(entry: ChunkIndexEntry, predecessor: ChunkID?, indexedAtSeconds: Double) {
        self.entry = entry
        self.predecessor = predecessor
        self.indexedAtSeconds = indexedAtSeconds
        self.durationSeconds = max(entry.durationSeconds, 0.05)
    }

    func deadlineSeconds(_ configuration: PullSchedulerConfiguration) -> Double {
        indexedAtSeconds + configuration.deadlineDurationFactor * durationSeconds
    }
}

/// One request in flight.
struct Attempt: Sendable {
    let upstream: UpstreamID
    var requestedAtSeconds: Double
    var firstByteAtSeconds: Double?
    var lastActivitySeconds: Double
    var receivedBytes: UInt64 = 0
    let isHedge: Bool

    init(upstream: UpstreamID, at now: Double, isHedge: Bool) {
        self.upstream = upstream
        self.requestedAtSeconds = now
        self.lastActivitySeconds = now
        self.isHedge = isHedge
    }
}
