/// Weights of the linear QoE metric (QoE_lin) of the ABR literature: per chunk,
/// `bitrate in Mbit/s − rebuffer × stall seconds − switch × |bitrate change in Mbit/s|`.
public struct QoEWeights: Sendable, Hashable {
    /// Penalty per second of stall (4.3: the top bitrate in Mbit/s).
    public var rebufferPenaltyPerSecond: Double
    /// Penalty per Mbit/s of bitrate change between consecutive chunks.
    public var switchPenaltyPerMbps: Double

    /// QoE_lin weights; the defaults are the literature's.
    public init(rebufferPenaltyPerSecond: Double = 4.3, switchPenaltyPerMbps: Double = 1) {
        self.rebufferPenaltyPerSecond = rebufferPenaltyPerSecond
        self.switchPenaltyPerMbps = switchPenaltyPerMbps
    }

    /// QoE_lin of one chunk.
    @inlinable
    public func chunkQoE(bitrateKbps: Double, previousBitrateKbps: Double, rebufferSeconds: Double) -> Double {
        bitrateKbps / 1000 - rebufferPenaltyPerSecond * rebufferSeconds
            - switchPenaltyPerMbps * abs(bitrateKbps - previousBitrateKbps) / 1000
    }
}
