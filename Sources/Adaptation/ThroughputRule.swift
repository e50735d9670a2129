/// The classic rate rule: the highest rendition whose bitrate fits under the harmonic mean of
/// the last few chunks' throughput.
public struct ThroughputRule: RenditionSelector {
    /// Chunks the harmonic mean covers.
    public var window: Int
    /// Fraction of the estimate the bitrate may use.
    public var safetyFactor: Double
    private var path = PathEstimator()

    /// A rule averaging `window` samples and using `safetyFactor` of the estimate.
    public init(window: Int = 5, safetyFactor: Double = 1.0) {
        self.window = window
        self.safetyFactor = safetyFactor
    }

    public var name: String { SelectorKind.throughput.rawValue }

    public mutating func observe(_ event: PathEvent) { path.record(event) }

    public mutating func decide(_ context: DecisionContext) -> Int {
        guard let estimate = path.harmonicMeanThroughputKbps(newest: window) else {
            return context.lastRenditionIndex
        }
        return context.ladder.highestIndex(notAbove: estimate * safetyFactor)
    }
}
