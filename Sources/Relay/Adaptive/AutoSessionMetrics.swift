/// The `mutstream_abr_*` families. Series are per stream (and rendition or direction), never
/// per session: label cardinality is bounded by the configuration, not by the audience.
final class AutoSessionMetrics: Sendable {
    /// One stream's series, looked up once when a session of it is created.
    struct StreamSeries: Sendable {
        let switchesUp: Counter
        let switchesDown: Counter
        let stalls: Counter
        let throughput: Histogram
        let rtt: Histogram
    }

    static let throughputBuckets: [Double] = [
        100e3, 250e3, 500e3, 1e6, 2e6, 4e6, 8e6, 16e6, 32e6, 64e6, 128e6, 1e9,
    ]
    static let rttBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private let switches: MetricFamily<Counter>
    private let stalls: MetricFamily<Counter>
    private let throughput: MetricFamily<Histogram>
    private let rtt: MetricFamily<Histogram>
    let evictedIdle: Counter
    let evictedCapacity: Counter

    init(registry: MetricsRegistry) {
        self.switches = registry.counter(
            "mutstream_abr_switches_total", help: "Rendition switches in auto sessions, by stream and direction (up, down).",
            labelNames: ["stream", "direction"]
        )
        self.stalls = registry.counter(
            "mutstream_abr_client_stalls_total", help: "Stalls players reported (CMCD bs) in auto sessions, by stream.",
            labelNames: ["stream"]
        )
        self.throughput = registry.histogram(
            "mutstream_abr_estimated_throughput_bits_per_second",
            help: "Estimated path throughput of an auto session at each rendition decision, by stream.",
            labelNames: ["stream"], buckets: Self.throughputBuckets
        )
        self.rtt = registry.histogram(
            "mutstream_abr_rtt_seconds", help: "Smoothed TCP round trip of an auto session at each rendition decision, by stream.",
            labelNames: ["stream"], buckets: Self.rttBuckets
        )
        let evicted = registry.counter(
            "mutstream_abr_sessions_evicted_total", help: "Auto sessions dropped, by reason (idle, capacity).",
            labelNames: ["reason"]
        )
        self.evictedIdle = evicted.labels("idle")
        self.evictedCapacity = evicted.labels("capacity")
    }

    func series(stream: String) -> StreamSeries {
        StreamSeries(
            switchesUp: self.switches.labels(stream, "up"), switchesDown: self.switches.labels(stream, "down"),
            stalls: self.stalls.labels(stream), throughput: self.throughput.labels(stream), rtt: self.rtt.labels(stream)
        )
    }
}
