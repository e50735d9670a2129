/// The constants of the trace-driven ABR simulation model (Pensieve's, used across the
/// literature so that results compare with published ones).
public struct SimulationModel: Sendable, Hashable {
    /// Fixed cost added to every chunk's download (the request's round trip), in seconds.
    public var rttSeconds: Double = 0.08
    /// Fraction of the trace's throughput that carries payload.
    public var payloadFraction: Double = 0.95
    /// Most media the player buffers, in seconds.
    public var bufferCapacitySeconds: Double = 60
    /// While over capacity the player sleeps in steps of this many seconds (the trace runs on).
    public var drainStepSeconds: Double = 0.5
    /// Rendition of the first chunk, which is not chosen by the selector; it is also the
    /// "previous" bitrate of the first chunk for the smoothness term.
    public var firstRenditionIndex: Int = 1
    /// The QoE metric.
    public var weights = QoEWeights()

    /// The standard model.
    public init() {}
}

/// What happened to one chunk in a simulated session.
public struct ChunkOutcome: Sendable, Hashable {
    /// Rendition chosen.
    public var renditionIndex: Int
    /// Its bitrate in kbit/s.
    public var bitrateKbps: Double
    /// Bytes downloaded.
    public var bytes: Double
    /// Request to last byte, round trip included, in seconds.
    public var downloadSeconds: Double
    /// Playback stalled this long while the chunk downloaded, in seconds.
    public var rebufferSeconds: Double
    /// Buffer after the chunk arrived and any drain sleep, in seconds.
    public var bufferSecondsAfter: Double
    /// Time the player slept to stay under the buffer capacity, in seconds.
    public var sleepSeconds: Double
    /// QoE_lin of this chunk.
    public var qoe: Double
}
