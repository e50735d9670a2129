/// What the scheduler has measured of one upstream: read it for metrics and logs.
public struct UpstreamEstimate: Sendable, Hashable {
    /// Smoothed link throughput in bytes per second, over intervals when the upstream was
    /// sending (so concurrent requests do not halve it); nil before the first sample.
    public internal(set) var throughputBytesPerSecond: Double?
    /// Smoothed time from request to first byte, in seconds; nil before the first.
    public internal(set) var rttSeconds: Double?
    /// Throughput samples taken.
    public internal(set) var throughputSamples = 0
    /// Failures since the last completed chunk (drives the backoff).
    public internal(set) var consecutiveFailures = 0
    /// All failures (refused, reset, silent).
    public internal(set) var failures = 0
    /// Chunks from it that failed verification.
    public internal(set) var verificationFailures = 0
    /// No new requests before this time (after a failure).
    public internal(set) var backoffUntilSeconds: Double?
    /// Demoted for bad data: it gets no more requests.
    public internal(set) var isDemoted = false
    /// Chunks it delivered that were stored.
    public internal(set) var chunksStored = 0
    /// Body bytes received from it.
    public internal(set) var bytesReceived: UInt64 = 0

    mutating func recordRTT(_ seconds: Double, smoothing: Double) {
        rttSeconds = rttSeconds.map { $0 + smoothing * (seconds - $0) } ?? seconds
    }

    mutating func recordThroughput(_ bytesPerSecond: Double, smoothing: Double) {
        guard bytesPerSecond.isFinite, bytesPerSecond > 0 else { return }
        throughputBytesPerSecond = throughputBytesPerSecond.map { $0 + smoothing * (bytesPerSecond - $0) } ?? bytesPerSecond
        throughputSamples += 1
    }

    /// Counts a failure and sets the backoff: base × 2^(consecutive − 1), capped.
    mutating func recordFailure(at now: Double, configuration: PullSchedulerConfiguration) {
        failures += 1
        consecutiveFailures += 1
        let doublings = Double(1 << min(consecutiveFailures - 1, 30))
        backoffUntilSeconds = now + min(configuration.backoffBaseSeconds * doublings, configuration.backoffMaximumSeconds)
    }
}

/// The scheduler's record of one upstream: its estimate, plus what it has advertised and
/// the bookkeeping of the current throughput sample.
struct UpstreamState: Sendable {
    let id: UpstreamID
    var estimate = UpstreamEstimate()
    /// Newest chunk it advertised per "stream/rendition".
    var advertised: [String: ChunkID] = [:]
    /// Start of the current throughput sample (nil while it sends nothing).
    var sampleStartSeconds: Double?
    /// Bytes received since `sampleStartSeconds`.
    var sampleBytes: Double = 0
    /// When it was last sent a request.
    var lastAssignedSeconds: Double?
    /// When bytes of any request last came from it.
    var lastByteSeconds: Double?

    init(id: UpstreamID) { self.id = id }

    /// True when it advertised the chunk, or the one before it: mesh chunk requests wait
    /// for the next chunk as LL-HLS part requests do, so an upstream one chunk behind will
    /// answer as soon as it has it (an upstream's index answer rarely comes first for
    /// every chunk, which would otherwise decide the assignment).
    func mayHave(_ chunk: PendingChunk) -> Bool {
        hasAdvertised(chunk.entry.id) || chunk.predecessor.map(hasAdvertised) == true
    }

    func hasAdvertised(_ chunk: ChunkID) -> Bool {
        guard let newest = advertised[chunk.stream + "/" + chunk.rendition] else { return false }
        return !chunk.isAfter(newest)
    }

    mutating func advertise(_ chunk: ChunkID) {
        let key = chunk.stream + "/" + chunk.rendition
        if let newest = advertised[key], !chunk.isAfter(newest) { return }
        advertised[key] = chunk
    }
}
