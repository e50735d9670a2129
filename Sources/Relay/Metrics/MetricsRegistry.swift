import Synchronization

/// A small, fast Prometheus registry: counters, gauges and fixed-bucket histograms with
/// bounded label sets, plus scrape-time collectors.
///
/// Register families once at start-up and keep the series you update:
/// ```swift
/// let fps = registry.gauge("mutstream_encode_fps", help: "Encoded frames per second.",
///                          labelNames: ["stream", "rendition"])
/// let fps720 = fps.labels("main", "720p")
/// fps720.set(29.97)                     // from any thread, lock-free
/// ```
/// Asking again for an existing name returns the same family (same type and label names
/// required). Values that are cheaper to read when scraped (sizes, /proc) come from
/// ``addCollector(_:)``.
public final class MetricsRegistry: Sendable {
    /// Most series one family exports; more label combinations are dropped and counted.
    public let maxSeriesPerFamily: Int

    private struct State {
        var families: [String: any ExposedFamily] = [:]
        var order: [String] = []
        var collectors: [@Sendable (inout PrometheusTextWriter) -> Void] = []
    }

    private let state = Mutex(State())
    private let droppedSeries = Counter()

    /// Creates an empty registry.
    public init(maxSeriesPerFamily: Int = 1_000) {
        precondition(maxSeriesPerFamily > 0)
        self.maxSeriesPerFamily = maxSeriesPerFamily
    }

    /// The counter family with this name, registered on first use.
    public func counter(_ name: String, help: String, labelNames: [String] = []) -> MetricFamily<Counter> {
        self.family(name, help: help, type: .counter, labelNames: labelNames) { Counter() }
    }

    /// The gauge family with this name, registered on first use.
    public func gauge(_ name: String, help: String, labelNames: [String] = []) -> MetricFamily<Gauge> {
        self.family(name, help: help, type: .gauge, labelNames: labelNames) { Gauge() }
    }

    /// The histogram family with this name, registered on first use; `buckets` are the
    /// ascending upper bounds (without `+Inf`).
    public func histogram(
        _ name: String, help: String, labelNames: [String] = [],
        buckets: [Double] = Histogram.latencySecondsBuckets
    ) -> MetricFamily<Histogram> {
        self.family(name, help: help, type: .histogram, labelNames: labelNames) {
            Histogram(upperBounds: buckets)
        }
    }

    /// Adds a closure called at every scrape to write families whose values are read then
    /// (store sizes, process statistics). It must write complete families with unique names.
    public func addCollector(_ collector: @escaping @Sendable (inout PrometheusTextWriter) -> Void) {
        self.state.withLock { $0.collectors.append(collector) }
    }

    /// The whole registry in the Prometheus text exposition format.
    public func exposition() -> String {
        let (families, collectors) = self.state.withLock { state in
            (state.order.compactMap { state.families[$0] }, state.collectors)
        }
        var writer = PrometheusTextWriter()
        for family in families {
            family.expose(into: &writer)
        }
        writer.header(
            name: "mutstream_metrics_series_dropped_total",
            help: "Label combinations not exported because a family reached its series bound.",
            type: .counter
        )
        writer.sample(name: "mutstream_metrics_series_dropped_total", value: self.droppedSeries.value)
        for collector in collectors {
            collector(&writer)
        }
        return writer.text
    }

    private func family<Series: Sendable & AnyObject>(
        _ name: String, help: String, type: MetricType, labelNames: [String],
        makeSeries: @escaping @Sendable () -> Series
    ) -> MetricFamily<Series> {
        precondition(Self.isValidMetricName(name), "invalid metric name \(name)")
        precondition(labelNames.allSatisfy(Self.isValidLabelName), "invalid label name in \(labelNames)")
        return self.state.withLock { state in
            if let existing = state.families[name] {
                guard let typed = existing as? MetricFamily<Series>, typed.labelNames == labelNames else {
                    preconditionFailure("metric \(name) registered twice with different type or labels")
                }
                return typed
            }
            let created = MetricFamily(
                name: name, help: help, type: type, labelNames: labelNames,
                maxSeries: self.maxSeriesPerFamily, dropped: self.droppedSeries, makeSeries: makeSeries
            )
            state.families[name] = created
            state.order.append(name)
            return created
        }
    }

    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            isAlphaNumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
        }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
              !name.hasPrefix("__"), name != "le"
        else { return false }
        return name.utf8.allSatisfy { isAlphaNumeric($0) || $0 == UInt8(ascii: "_") }
    }
}

private func isAlphaNumeric(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
}
