/// Builds the Prometheus text exposition format (version 0.0.4).
///
/// Collectors registered with ``MetricsRegistry/addCollector(_:)`` receive one of these at
/// scrape time and call ``header(name:help:type:)`` once per family, then ``sample(name:labels:value:)``
/// per series.
public struct PrometheusTextWriter: Sendable {
    /// The text written so far.
    public private(set) var text: String = ""

    /// Creates an empty writer.
    public init() {
        self.text.reserveCapacity(16 * 1024)
    }

    /// Writes the `# HELP` and `# TYPE` lines that open a family.
    public mutating func header(name: String, help: String, type: MetricType) {
        self.text += "# HELP \(name) "
        for character in help.unicodeScalars {
            switch character {
            case "\\": self.text += "\\\\"
            case "\n": self.text += "\\n"
            default: self.text.unicodeScalars.append(character)
            }
        }
        self.text += "\n# TYPE \(name) \(type.rawValue)\n"
    }

    /// Writes one sample line with a floating-point value.
    public mutating func sample(name: String, labels: [(String, String)] = [], value: Double) {
        self.sampleName(name, labels: labels)
        self.appendValue(value)
        self.text += "\n"
    }

    /// Writes one sample line with an integer value.
    public mutating func sample(name: String, labels: [(String, String)] = [], value: UInt64) {
        self.sampleName(name, labels: labels)
        self.text += String(value)
        self.text += "\n"
    }

    /// Writes one sample line with an integer value.
    public mutating func sample(name: String, labels: [(String, String)] = [], value: Int) {
        self.sampleName(name, labels: labels)
        self.text += String(value)
        self.text += "\n"
    }

    /// Writes the `_bucket`, `_sum` and `_count` lines of one histogram series.
    public mutating func histogram(name: String, labels: [(String, String)], histogram: Histogram) {
        let counts = histogram.cumulativeCounts
        let bucketName = name + "_bucket"
        for (index, count) in counts.enumerated() {
            let bound = index < histogram.upperBounds.count ? formatValue(histogram.upperBounds[index]) : "+Inf"
            self.sample(name: bucketName, labels: labels + [("le", bound)], value: count)
        }
        self.sample(name: name + "_sum", labels: labels, value: histogram.sum)
        self.sample(name: name + "_count", labels: labels, value: counts.last ?? 0)
    }

    private mutating func sampleName(_ name: String, labels: [(String, String)]) {
        self.text += name
        if !labels.isEmpty {
            self.text += "{"
            for (index, (label, value)) in labels.enumerated() {
                if index > 0 { self.text += "," }
                self.text += label
                self.text += "=\""
                for character in value.unicodeScalars {
                    switch character {
                    case "\\": self.text += "\\\\"
                    case "\"": self.text += "\\\""
                    case "\n": self.text += "\\n"
                    default: self.text.unicodeScalars.append(character)
                    }
                }
                self.text += "\""
            }
            self.text += "}"
        }
        self.text += " "
    }

    private mutating func appendValue(_ value: Double) {
        self.text += formatValue(value)
    }
}

/// A float as Prometheus parses it: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
func formatValue(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
