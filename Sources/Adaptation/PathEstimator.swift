/// What the server knows about one peer's path, from the events it has seen.
///
/// Fixed size (a few hundred bytes, no heap storage): one per peer, updated in place on every
/// event, never allocating.
public struct PathEstimator: Sendable {
    /// Whole-delivery throughput of recent chunks in kbit/s (bytes over request-to-last-byte
    /// time, round trip included): what a player would measure.
    public private(set) var deliveryThroughputKbps = RecentSamples()
    /// Payload rate of recent chunks in kbit/s: bytes over delivery time less one base round
    /// trip, the rate at which the path moved the body once it was flowing.
    public private(set) var payloadRateKbps = RecentSamples()
    /// Recent `TCP_INFO` delivery-rate samples in kbit/s that were not app-limited.
    public private(set) var transportRateKbps = RecentSamples()
    /// Lowest round trip seen, in seconds (nil before the first `TCP_INFO`).
    public private(set) var minRTTSeconds: Double?
    /// Latest smoothed round trip, in seconds.
    public private(set) var smoothedRTTSeconds: Double?
    /// Latest congestion window in bytes.
    public private(set) var congestionWindowBytes: Double?
    /// Retransmits since the previous `TCP_INFO` sample.
    public private(set) var recentRetransmits = 0
    private var lastTotalRetransmits: Int?
    /// Latest buffer level the player reported (CMCD `bl`), in seconds.
    public private(set) var clientBufferSeconds: Double?
    /// Latest throughput the player reported (CMCD `mtp`), in kbit/s.
    public private(set) var clientThroughputKbps: Double?
    /// The player reported a stall (CMCD `bs`) in its latest report.
    public private(set) var clientReportedStall = false
    /// Number of chunk deliveries recorded.
    public private(set) var deliveryCount = 0

    /// An estimator with no history.
    public init() {}

    /// Folds one event into the estimate.
    public mutating func record(_ event: PathEvent) {
        switch event {
        case .delivered(let d):
            guard d.durationSeconds > 0, d.bytes > 0 else { return }
            deliveryCount += 1
            deliveryThroughputKbps.append(d.throughputKbps)
            // The body flowed for the delivery time less the request's round trip; never count
            // less than a tenth of the delivery so a tiny response cannot claim a huge rate.
            let flowing = max(d.durationSeconds - baseRTTSeconds, d.durationSeconds * 0.1)
            payloadRateKbps.append(d.bytes * 8 / flowing / 1000)
        case .transport(let t):
            if t.minRTTSeconds > 0 { minRTTSeconds = min(minRTTSeconds ?? .infinity, t.minRTTSeconds) }
            if t.rttSeconds > 0 { smoothedRTTSeconds = t.rttSeconds }
            if t.congestionWindowBytes > 0 { congestionWindowBytes = t.congestionWindowBytes }
            if let last = lastTotalRetransmits { recentRetransmits = max(0, t.totalRetransmits - last) }
            lastTotalRetransmits = t.totalRetransmits
            if !t.deliveryRateAppLimited, t.deliveryRateKbps > 0 { transportRateKbps.append(t.deliveryRateKbps) }
        case .clientData(let c):
            if let bl = c.bufferLengthSeconds, bl >= 0 { clientBufferSeconds = bl }
            if let mtp = c.measuredThroughputKbps, mtp > 0 { clientThroughputKbps = Double(mtp) }
            clientReportedStall = c.bufferStarvation
        }
    }

    /// The fixed per-request cost of a chunk: the lowest round trip seen, or 0 before any.
    public var baseRTTSeconds: Double { minRTTSeconds ?? 0 }

    /// Harmonic mean of the newest `samples` whole-delivery throughputs, falling back to the
    /// player's own measure (CMCD `mtp`) and then to `TCP_INFO`'s delivery rate.
    public func harmonicMeanThroughputKbps(newest samples: Int) -> Double? {
        deliveryThroughputKbps.harmonicMean(newest: samples)
            ?? clientThroughputKbps
            ?? transportRateKbps.newest
    }

    /// Seconds to deliver `bytes` when the body flows at `payloadRateKbps`: one base round trip
    /// plus the transfer.
    public func predictedDeliverySeconds(bytes: Double, payloadRateKbps: Double) -> Double {
        baseRTTSeconds + bytes * 8 / 1000 / payloadRateKbps
    }
}
