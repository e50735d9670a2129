/// RobustMPC (Yin, Jindal, Sekar, Sinopoli, SIGCOMM 2015) as configured in the ABR literature's
/// standard comparison: throughput is forecast as the harmonic mean of the last 5 chunks,
/// divided by 1 + the largest relative forecast error of the last 5; every rendition sequence
/// over the next 5 chunks is scored by QoE_lin and the first step of the best is taken.
public struct RobustMPC: RenditionSelector {
    /// Chunks planned ahead.
    public var horizon: Int
    /// Chunks the harmonic mean and the error maximum cover.
    public var window: Int
    /// The QoE the plan maximises.
    public var weights: QoEWeights
    private var path = PathEstimator()
    private var errors = RecentSamples()
    private var lastForecastKbps: Double?

    /// RobustMPC with the literature's parameters by default.
    public init(horizon: Int = 5, window: Int = 5, weights: QoEWeights = QoEWeights()) {
        self.horizon = horizon
        self.window = window
        self.weights = weights
    }

    public var name: String { SelectorKind.robustMPC.rawValue }

    public mutating func observe(_ event: PathEvent) {
        path.record(event)
        guard case .delivered(let d) = event, d.throughputKbps > 0 else { return }
        // The first chunk has no forecast to be wrong about: its error counts as 0.
        let actual = d.throughputKbps
        errors.append(lastForecastKbps.map { abs($0 - actual) / actual } ?? 0)
    }

    public mutating func decide(_ context: DecisionContext) -> Int {
        guard let harmonic = path.harmonicMeanThroughputKbps(newest: window) else {
            return context.lastRenditionIndex
        }
        lastForecastKbps = harmonic
        let forecastKbps = harmonic / (1 + (errors.maximum(newest: window) ?? 0))
        var planner = ExhaustivePlanner(context: context, weights: weights,
                                        depth: context.planningHorizon(horizon))
        return planner.bestFirstRendition { bytes in bytes * 8 / 1000 / forecastKbps }
    }
}

/// Scores every rendition sequence over a short horizon by QoE_lin under a deterministic
/// download-time model and returns the first step of the best one.
struct ExhaustivePlanner {
    let context: DecisionContext
    let weights: QoEWeights
    let depth: Int

    init(context: DecisionContext, weights: QoEWeights, depth: Int) {
        self.context = context
        self.weights = weights
        self.depth = depth
    }

    mutating func bestFirstRendition(downloadSeconds: (Double) -> Double) -> Int {
        var best = context.lastRenditionIndex
        var bestScore = -Double.infinity
        for first in 0..<context.ladder.count {
            let score = value(step: 0, rendition: first, previous: context.lastRenditionIndex,
                              bufferSeconds: context.bufferSeconds, downloadSeconds: downloadSeconds)
            if score >= bestScore { bestScore = score; best = first }
        }
        return best
    }

    // Best QoE of sequences that take `rendition` at `step` and then continue optimally.
    private func value(step: Int, rendition: Int, previous: Int, bufferSeconds: Double,
                       downloadSeconds: (Double) -> Double) -> Double {
        let bytes = context.chunkSizes.bytes(chunk: context.nextChunkIndex + step, rendition: rendition)
        let t = downloadSeconds(bytes)
        let rebuffer = max(0, t - bufferSeconds)
        let buffer = max(0, bufferSeconds - t) + context.chunkDurationSeconds
        let here = weights.chunkQoE(bitrateKbps: context.ladder[rendition],
                                    previousBitrateKbps: context.ladder[previous],
                                    rebufferSeconds: rebuffer)
        guard step + 1 < depth else { return here }
        var bestRest = -Double.infinity
        for next in 0..<context.ladder.count {
            bestRest = max(bestRest, value(step: step + 1, rendition: next, previous: rendition,
                                           bufferSeconds: buffer, downloadSeconds: downloadSeconds))
        }
        return here + bestRest
    }
}
