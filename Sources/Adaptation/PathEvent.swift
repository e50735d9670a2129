/// One response delivered to a peer: what the server saw of it.
public struct ChunkDelivery: Sendable, Hashable {
    /// Rendition the chunk belonged to.
    public var renditionIndex: Int
    /// Payload bytes of the response body.
    public var bytes: Double
    /// Seconds from receiving the request to handing the last byte to the peer, including
    /// the request's round trip as the client sees it.
    public var durationSeconds: Double
    /// Media seconds the chunk holds.
    public var mediaDurationSeconds: Double

    /// A delivery sample.
    public init(renditionIndex: Int, bytes: Double, durationSeconds: Double, mediaDurationSeconds: Double) {
        self.renditionIndex = renditionIndex
        self.bytes = bytes
        self.durationSeconds = durationSeconds
        self.mediaDurationSeconds = mediaDurationSeconds
    }

    /// Average throughput over the whole delivery in kbit/s (0 when the duration is not positive).
    public var throughputKbps: Double {
        durationSeconds > 0 ? bytes * 8 / durationSeconds / 1000 : 0
    }
}

/// What Linux's `TCP_INFO` said about a peer's connection, in plain units.
///
/// The HTTP layer reads `getsockopt(fd, IPPROTO_TCP, TCP_INFO)` after a response and hands the
/// fields over through ``init(deliveryRateBytesPerSecond:deliveryRateAppLimited:rttMicroseconds:minRTTMicroseconds:congestionWindowSegments:maximumSegmentBytes:totalRetransmits:)``.
public struct TransportSample: Sendable, Hashable {
    /// `tcpi_delivery_rate` in kbit/s: the kernel's latest delivery-rate sample.
    public var deliveryRateKbps: Double
    /// `tcpi_delivery_rate_app_limited`: the sample was taken while the sender had nothing to
    /// send, so it is a lower bound on the path's rate rather than a measure of it.
    public var deliveryRateAppLimited: Bool
    /// `tcpi_rtt`: smoothed round-trip time in seconds.
    public var rttSeconds: Double
    /// `tcpi_min_rtt`: the lowest round-trip time seen on the connection, in seconds.
    public var minRTTSeconds: Double
    /// `tcpi_snd_cwnd × tcpi_snd_mss`: the congestion window in bytes.
    public var congestionWindowBytes: Double
    /// `tcpi_total_retrans`: segments retransmitted over the connection's life.
    public var totalRetransmits: Int

    /// A sample in plain units.
    public init(deliveryRateKbps: Double, deliveryRateAppLimited: Bool, rttSeconds: Double,
                minRTTSeconds: Double, congestionWindowBytes: Double, totalRetransmits: Int) {
        self.deliveryRateKbps = deliveryRateKbps
        self.deliveryRateAppLimited = deliveryRateAppLimited
        self.rttSeconds = rttSeconds
        self.minRTTSeconds = minRTTSeconds
        self.congestionWindowBytes = congestionWindowBytes
        self.totalRetransmits = totalRetransmits
    }

    /// A sample from the raw `struct tcp_info` fields.
    public init(deliveryRateBytesPerSecond: UInt64, deliveryRateAppLimited: Bool,
                rttMicroseconds: UInt32, minRTTMicroseconds: UInt32,
                congestionWindowSegments: UInt32, maximumSegmentBytes: UInt32, totalRetransmits: UInt32) {
        self.init(
            deliveryRateKbps: Double(deliveryRateBytesPerSecond) * 8 / 1000,
            deliveryRateAppLimited: deliveryRateAppLimited,
            rttSeconds: Double(rttMicroseconds) / 1_000_000,
            minRTTSeconds: Double(minRTTMicroseconds) / 1_000_000,
            congestionWindowBytes: Double(congestionWindowSegments) * Double(maximumSegmentBytes),
            totalRetransmits: Int(totalRetransmits)
        )
    }
}

/// Something the server learnt about a peer's path or player.
public enum PathEvent: Sendable, Hashable {
    /// A chunk finished delivering.
    case delivered(ChunkDelivery)
    /// The connection's `TCP_INFO`, read when a response finished.
    case transport(TransportSample)
    /// Common Media Client Data the player sent with a request.
    case clientData(CMCDReport)
}
