/// One simulated session and its QoE metrics. The first chunk (fixed rendition, startup
/// delay) is excluded from every metric, as in the literature.
public struct TraceResult: Sendable {
    /// The trace replayed.
    public let traceName: String
    /// Every chunk in order.
    public let chunks: [ChunkOutcome]
    /// Media seconds per chunk.
    public let chunkDurationSeconds: Double

    /// A result.
    public init(traceName: String, chunks: [ChunkOutcome], chunkDurationSeconds: Double) {
        self.traceName = traceName
        self.chunks = chunks
        self.chunkDurationSeconds = chunkDurationSeconds
    }

    private var scored: ArraySlice<ChunkOutcome> { chunks.dropFirst() }

    /// Startup delay: the first chunk's download, in seconds.
    public var startupSeconds: Double { chunks.first?.rebufferSeconds ?? 0 }
    /// Mean QoE_lin per chunk.
    public var meanQoE: Double { mean(scored.map(\.qoe)) }
    /// Mean bitrate in kbit/s.
    public var meanBitrateKbps: Double { mean(scored.map(\.bitrateKbps)) }
    /// Seconds stalled.
    public var rebufferSeconds: Double { scored.reduce(0) { $0 + $1.rebufferSeconds } }
    /// Stall time over stall time plus media time played.
    public var rebufferRatio: Double {
        let played = Double(scored.count) * chunkDurationSeconds
        return played + rebufferSeconds > 0 ? rebufferSeconds / (played + rebufferSeconds) : 0
    }
    /// Rendition changes per chunk (a change into a chunk counts for that chunk).
    public var switchesPerChunk: Double {
        guard chunks.count > 1 else { return 0 }
        var switches = 0
        for i in 1..<chunks.count where chunks[i].renditionIndex != chunks[i - 1].renditionIndex {
            switches += 1
        }
        return Double(switches) / Double(chunks.count - 1)
    }

    private func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
}

/// One algorithm's results over a set of traces: each metric averaged per trace, then over
/// traces.
public struct QoESummary: Sendable, Hashable {
    /// The selector's name.
    public var algorithm: String
    /// Traces averaged.
    public var traceCount: Int
    /// Mean QoE_lin per chunk.
    public var meanQoE: Double
    /// Mean bitrate in kbit/s.
    public var meanBitrateKbps: Double
    /// Stall time over stall plus play time.
    public var rebufferRatio: Double
    /// Rendition changes per chunk.
    public var switchesPerChunk: Double

    /// Summarises `results` for `algorithm`.
    public init(algorithm: String, results: [TraceResult]) {
        self.algorithm = algorithm
        traceCount = results.count
        let n = Double(max(results.count, 1))
        meanQoE = results.reduce(0) { $0 + $1.meanQoE } / n
        meanBitrateKbps = results.reduce(0) { $0 + $1.meanBitrateKbps } / n
        rebufferRatio = results.reduce(0) { $0 + $1.rebufferRatio } / n
        switchesPerChunk = results.reduce(0) { $0 + $1.switchesPerChunk } / n
    }
}
