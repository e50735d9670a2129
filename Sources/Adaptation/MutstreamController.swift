/// Mutstream's own controller: model-predictive control over predicted transmission times,
/// scored against a set of throughput scenarios rather than one discounted forecast.
///
/// - Transmission time of a chunk is one base round trip (`TCP_INFO` min RTT) plus its bytes at
///   the forecast payload rate, so small chunks are not mistaken for a slow path.
/// - The forecast blends the harmonic mean of recent chunks' payload rates with `TCP_INFO`'s
///   latest delivery rate, which reacts to an outage or a recovery within one chunk.
/// - Its errors are kept as ratios (actual ÷ forecast); each recent ratio, plus a few pessimistic
///   prior ones, is a scenario. A plan (the next rendition, then one rendition for the rest of
///   the horizon) is scored by its mean QoE_lin over all scenarios, so a rare bad ratio weighs
///   in proportion instead of setting the forecast as RobustMPC's largest error does.
/// - A plan is not followed blindly: after the next chunk the controller sees which scenario it
///   is in and re-plans. So a first rendition is scored by a blend of the best single rest for
///   all scenarios (open loop, cautious) and each scenario's own best rest (full recourse,
///   optimistic), which stops a rare persistent-error scenario from vetoing a step up that the
///   next decision could undo. Recourse needs time to react, so its weight grows with the
///   buffer; near the end of a finite stream it weighs more, so buffer that would be left over
///   is spent.
/// - Buffer left at the horizon's end has a value: it is what covers an outage that starts after
///   the horizon. A plan is charged the expected stall of such an outage (exponentially
///   distributed length) for the buffer it ends with, so the controller keeps a cushion instead
///   of spending the buffer on bitrate because the horizon happens to end there. The model plays
///   the buffer capacity too: buffer a plan would build above it is not there.
/// - Switching hysteresis: the current rendition is kept unless the best plan beats staying by a
///   margin, and planned switches cost more than QoE_lin charges, which cuts up-down flapping.
public struct MutstreamController: RenditionSelector {
    /// The controller's tuning (chosen on the `train/` traces only).
    public struct Parameters: Sendable, Hashable {
        /// Chunks planned ahead.
        public var horizon = 8
        /// Chunks the harmonic mean of payload rates covers.
        public var rateWindow = 5
        /// Weight of `TCP_INFO`'s latest delivery rate in the (geometric) forecast blend.
        public var latestRateWeight = 0.7
        /// Recent forecast errors kept as scenarios (at most ``RecentSamples/capacity``).
        public var errorWindow = 16
        /// Pessimistic scenarios always present (forecast multipliers), so a short history does
        /// not look certain.
        public var priorRatios: [Double] = [0.7, 0.9]
        /// Largest ratio a scenario may have: optimism is capped, pessimism is not.
        public var ratioCap = 2.0
        /// Multiplier on the switching term inside plans.
        public var planSwitchWeight = 1.5
        /// Horizon QoE the best plan must gain over keeping the current rendition to switch.
        public var switchHysteresis = 0.1
        /// Weight of full recourse (each scenario re-planned with its own best rest) against the
        /// open-loop plan (one rest for every scenario) when scoring a first rendition.
        public var recourseWeight = 0.5
        /// ``recourseWeight`` once the horizon reaches the end of the stream, where buffer left
        /// over is worth nothing and re-planning can still spend it.
        public var endRecourseWeight = 0.75
        /// Buffer in seconds at which recourse gets its full weight; below it the weight shrinks
        /// in proportion, because re-planning needs time that a short buffer does not give.
        public var recourseFullBufferSeconds = 20.0
        /// For a stream with no known end, each second of buffer a plan leaves below where it
        /// started is charged as this many seconds of stall: a live horizon is not the end, so
        /// buffer spent now must be earned back later.
        public var liveDrawdownWeight = 1.0
        /// Weight of the stall an outage just after the horizon would cause (see
        /// ``outageMeanSeconds``): in effect how likely one is before later decisions can react.
        /// Not charged once the horizon reaches the end of the stream.
        public var outageWeight = 0.8
        /// Mean length in seconds of an outage, taken as exponentially distributed: a plan that
        /// ends with B seconds buffered is charged its expected stall, mean · e^(−B / mean), at
        /// the rebuffer penalty. So buffer is worth most while short and little once it is a few
        /// outages long, and a plan does not drain it for a higher bitrate now.
        public var outageMeanSeconds = 10.0
        /// The QoE the plan maximises.
        public var weights = QoEWeights()

        /// The shipped tuning.
        public init() {}
    }

    /// This controller's tuning.
    public var parameters: Parameters
    private var path = PathEstimator()
    private var ratios = RecentSamples()
    private var lastForecastKbps: Double?

    /// A controller with `parameters`.
    public init(parameters: Parameters = Parameters()) { self.parameters = parameters }

    public var name: String { SelectorKind.mutstream.rawValue }

    /// The path estimate this controller has built.
    public var pathEstimate: PathEstimator { path }

    public mutating func observe(_ event: PathEvent) {
        path.record(event)
        guard case .delivered = event, let forecast = lastForecastKbps,
              let actual = path.payloadRateKbps.newest else { return }
        ratios.append(min(actual / forecast, parameters.ratioCap))
        lastForecastKbps = nil
    }

    /// Payload-rate forecast in kbit/s, or nil before anything is known.
    public func forecastKbps() -> Double? {
        guard let mean = path.payloadRateKbps.harmonicMean(newest: parameters.rateWindow)
            ?? path.harmonicMeanThroughputKbps(newest: parameters.rateWindow)
        else { return nil }
        guard let latest = path.transportRateKbps.newest, parameters.latestRateWeight > 0 else { return mean }
        let w = parameters.latestRateWeight
        return naturalExp((1 - w) * naturalLog(mean) + w * naturalLog(latest))
    }

    public mutating func decide(_ context: DecisionContext) -> Int {
        guard let forecast = forecastKbps() else { return context.lastRenditionIndex }
        lastForecastKbps = forecast
        let p = parameters
        let ladder = context.ladder
        let depth = context.planningHorizon(p.horizon)
        let rtt = path.baseRTTSeconds
        let observed = min(ratios.count, p.errorWindow, RecentSamples.capacity)
        let scenarioCount = observed + p.priorRatios.count
        let isLive = context.chunksRemaining == nil
        let rebufferPenalty = p.weights.rebufferPenaltyPerSecond
        let reachesEnd = context.chunksRemaining.map { $0 <= depth } ?? false
        let outageWeight = reachesEnd || p.outageMeanSeconds <= 0 ? 0 : p.outageWeight
        let outageDecay = p.outageMeanSeconds > 0 ? 1 / p.outageMeanSeconds : 0
        let outageStall = outageWeight * rebufferPenalty * p.outageMeanSeconds
        let recourse = (reachesEnd ? p.endRecourseWeight : p.recourseWeight)
            * (p.recourseFullBufferSeconds > 0 ? min(1, context.bufferSeconds / p.recourseFullBufferSeconds) : 1)

        let renditions = ladder.count
        let chunkSeconds = context.chunkDurationSeconds
        // The player holds no more than its capacity (it idles instead), so buffer a plan would
        // build beyond it is not there to absorb a later slow chunk.
        let capacity = context.bufferCapacitySeconds > 0 ? context.bufferCapacitySeconds : .infinity
        let switchPenalty = p.planSwitchWeight * p.weights.switchPenaltyPerMbps / 1000
        // Per-decision scratch on the stack: kbit of each (step, rendition), each scenario's
        // seconds per kbit and each rest's total over scenarios, so the plan loop neither
        // allocates nor divides.
        let kbitCount = depth * renditions
        return withUnsafeTemporaryAllocation(
            of: Double.self, capacity: kbitCount + scenarioCount + renditions
        ) { scratch in
            let kbit = UnsafeMutableBufferPointer(rebasing: scratch[0..<kbitCount])
            let secondsPerKbit = UnsafeMutableBufferPointer(
                rebasing: scratch[kbitCount..<(kbitCount + scenarioCount)])
            let restTotals = UnsafeMutableBufferPointer(rebasing: scratch[(kbitCount + scenarioCount)...])
            for step in 0..<depth {
                for q in 0..<renditions {
                    kbit[step * renditions + q] =
                        context.chunkSizes.bytes(chunk: context.nextChunkIndex + step, rendition: q) * 8 / 1000
                }
            }
            for s in 0..<scenarioCount {
                let ratio = s < observed ? ratios[age: s] : p.priorRatios[s - observed]
                secondsPerKbit[s] = 1 / (forecast * ratio)
            }

            // QoE of a plan (`first`, then `rest` for the rest of the horizon) in scenario `s`.
            func planScore(scenario s: Int, first: Int, rest: Int) -> Double {
                let perKbit = secondsPerKbit[s]
                var total = 0.0
                var buffer = context.bufferSeconds
                var previous = context.lastRenditionIndex
                for step in 0..<depth {
                    let q = step == 0 ? first : rest
                    let seconds = rtt + kbit[step * renditions + q] * perKbit
                    let rebuffer = max(0, seconds - buffer)
                    buffer = min(max(0, buffer - seconds) + chunkSeconds, capacity)
                    total += ladder[q] / 1000 - rebufferPenalty * rebuffer
                        - switchPenalty * abs(ladder[q] - ladder[previous])
                    previous = q
                }
                if isLive {
                    total -= p.liveDrawdownWeight * rebufferPenalty * max(0, context.bufferSeconds - buffer)
                }
                total -= outageStall * negativeExp(buffer * outageDecay)
                return total
            }

            // Value of starting with `first`: open loop (the best single rest, averaged over
            // scenarios) blended with recourse (each scenario's own best rest, averaged).
            func firstValue(_ first: Int) -> Double {
                for rest in 0..<renditions { restTotals[rest] = 0 }
                var recourseTotal = 0.0
                for s in 0..<scenarioCount {
                    var bestRest = -Double.infinity
                    for rest in 0..<renditions {
                        let score = planScore(scenario: s, first: first, rest: rest)
                        restTotals[rest] += score
                        bestRest = max(bestRest, score)
                    }
                    recourseTotal += bestRest
                }
                var openLoop = -Double.infinity
                for rest in 0..<renditions { openLoop = max(openLoop, restTotals[rest]) }
                return ((1 - recourse) * openLoop + recourse * recourseTotal) / Double(scenarioCount)
            }

            var best = context.lastRenditionIndex
            var bestScore = -Double.infinity
            var stayScore = -Double.infinity
            for first in 0..<renditions {
                let value = firstValue(first)
                if value > bestScore { bestScore = value; best = first }
                if first == context.lastRenditionIndex { stayScore = value }
            }
            if best != context.lastRenditionIndex, bestScore - stayScore < p.switchHysteresis {
                return context.lastRenditionIndex
            }
            return best
        }
    }
}
