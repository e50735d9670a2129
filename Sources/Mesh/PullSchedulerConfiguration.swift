/// Tuning of the ``PullScheduler``. Times that scale with the media are factors of the
/// chunk's own duration, so the same settings fit 0.2 s and 2 s parts.
public struct PullSchedulerConfiguration: Sendable, Hashable {
    /// Most chunks requested ahead at once: the request-ahead window, in chunks.
    public var windowChunks = 6
    /// Most media seconds in the window (the first chunk is always in it).
    public var windowMediaSeconds = 4.0
    /// Most requests in flight to one upstream.
    public var maximumRequestsPerUpstream = 4
    /// An upstream is silent on a request after this many chunk durations without bytes…
    public var silenceDurationFactor = 1.5
    /// …but never before this many of its round trips.
    public var silenceRTTFactor = 2.0
    /// Before its first byte a request is silent sooner when its upstream sends nothing at
    /// all: after this many of the upstream's round trips (a request goes out only once
    /// some upstream has indexed the chunk, so an answer takes a round trip plus the
    /// upstreams' skew, which the round trips measured include)…
    public var firstByteRTTFactor = 4.0
    /// …but not before this many chunk durations (nor after the silence bound above).
    public var firstByteDurationFactor = 0.25
    /// A chunk's deadline: this many chunk durations after its index entry arrived.
    public var deadlineDurationFactor = 1.0
    /// Hedging is considered from this many chunk durations before the deadline.
    public var hedgeLeadDurationFactor = 0.5
    /// Whether to hedge at all.
    public var isHedgingEnabled = true
    /// Most hedged chunks at once (each costs a duplicate transfer).
    public var maximumHedgesInFlight = 1
    /// First backoff after a failure; doubles with each further consecutive failure.
    public var backoffBaseSeconds = 0.25
    /// Longest backoff.
    public var backoffMaximumSeconds = 8.0
    /// Verification failures after which an upstream is demoted.
    public var demotionThreshold = 3
    /// A chunk not stored this many chunk durations after its index entry is abandoned.
    public var abandonDurationFactor = 20.0
    /// Most chunks known but not yet stored; beyond it the oldest is abandoned.
    public var maximumPendingChunks = 64
    /// Weight of a new sample in the throughput average (EWMA).
    public var throughputSmoothing = 0.3
    /// Weight of a new sample in the round-trip average (EWMA).
    public var rttSmoothing = 0.25
    /// Throughput assumed before any upstream was measured.
    public var initialThroughputBytesPerSecond = 1_000_000.0
    /// Round trip assumed before any upstream was measured.
    public var initialRTTSeconds = 0.05
    /// An upstream sent no request for this long is tried again as if unmeasured.
    public var reprobeIntervalSeconds = 10.0
    /// Shortest busy interval that makes a throughput sample.
    public var throughputSampleSeconds = 0.05

    /// The defaults.
    public init() {}
}
