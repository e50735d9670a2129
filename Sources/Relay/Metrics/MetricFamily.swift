import Synchronization

/// The Prometheus type of a metric family.
public enum MetricType: String, Sendable {
    case counter
    case gauge
    case histogram
}

/// A named metric with a fixed set of label names, holding one series per label values.
///
/// The number of series is bounded (``MetricsRegistry/maxSeriesPerFamily``): past the bound,
/// ``labels(_:)`` hands out a detached series that is never exported and counts the drop in
/// `mutstream_metrics_series_dropped_total`, so a runaway label cannot grow memory.
/// Look series up once and keep them: the look-up takes a lock, the series itself does not.
public final class MetricFamily<Series: Sendable & AnyObject>: Sendable {
    /// The metric name, e.g. `mutstream_http_requests_total`.
    public let name: String
    /// The `# HELP` text.
    public let help: String
    /// The Prometheus type.
    public let type: MetricType
    /// Label names, in the order ``labels(_:)`` takes their values.
    public let labelNames: [String]

    private let maxSeries: Int
    private let makeSeries: @Sendable () -> Series
    private let dropped: Counter?
    private let series = Mutex<[[String]: Series]>([:])

    init(
        name: String, help: String, type: MetricType, labelNames: [String], maxSeries: Int,
        dropped: Counter?, makeSeries: @escaping @Sendable () -> Series
    ) {
        self.name = name
        self.help = help
        self.type = type
        self.labelNames = labelNames
        self.maxSeries = maxSeries
        self.dropped = dropped
        self.makeSeries = makeSeries
    }

    /// The series for these label values (one per label name, in order), created on first use.
    public func labels(_ values: String...) -> Series {
        self.labels(values)
    }

    /// The series for these label values (one per label name, in order), created on first use.
    public func labels(_ values: [String]) -> Series {
        precondition(values.count == self.labelNames.count, "\(self.name): expected \(self.labelNames.count) label values")
        let found: Series? = self.series.withLock { table in
            if let existing = table[values] { return existing }
            guard table.count < self.maxSeries else { return nil }
            let created = self.makeSeries()
            table[values] = created
            return created
        }
        if let found { return found }
        self.dropped?.increment()
        return self.makeSeries()
    }

    /// Stops exporting the series for these label values (e.g. a stream that was removed).
    public func remove(_ values: String...) {
        _ = self.series.withLock { $0.removeValue(forKey: values) }
    }

    /// A stable snapshot of all series, sorted by label values so output order is deterministic.
    func snapshot() -> [(labels: [String], series: Series)] {
        let entries = self.series.withLock { table in table.map { (labels: $0.key, series: $0.value) } }
        return entries.sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
    }
}

/// Anything the registry can render in the text exposition format.
protocol ExposedFamily: Sendable {
    var name: String { get }
    var type: MetricType { get }
    var labelNames: [String] { get }
    func expose(into writer: inout PrometheusTextWriter)
}

extension MetricFamily: ExposedFamily {
    func expose(into writer: inout PrometheusTextWriter) {
        writer.header(name: self.name, help: self.help, type: self.type)
        for (values, series) in self.snapshot() {
            let labels = Array(zip(self.labelNames, values))
            switch series {
            case let counter as Counter:
                writer.sample(name: self.name, labels: labels, value: counter.value)
            case let gauge as Gauge:
                writer.sample(name: self.name, labels: labels, value: gauge.value)
            case let histogram as Histogram:
                writer.histogram(name: self.name, labels: labels, histogram: histogram)
            default:
                preconditionFailure("unsupported series type in \(self.name)")
            }
        }
    }
}
