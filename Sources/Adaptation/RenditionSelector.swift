/// What a selector is told when it must choose the next chunk's rendition.
public struct DecisionContext: Sendable {
    /// Renditions to choose from.
    public var ladder: BitrateLadder
    /// Sizes of the chunks ahead (known in simulation, nominal live).
    public var chunkSizes: ChunkSizeTable
    /// Index of the chunk about to be requested.
    public var nextChunkIndex: Int
    /// Chunks left including the next one; nil for a live stream with no end in sight.
    public var chunksRemaining: Int?
    /// Media seconds buffered at the player now (CMCD `bl`, or the server's own estimate).
    public var bufferSeconds: Double
    /// Most media the player will buffer, in seconds.
    public var bufferCapacitySeconds: Double
    /// Rendition of the previous chunk.
    public var lastRenditionIndex: Int

    /// A decision context.
    public init(ladder: BitrateLadder, chunkSizes: ChunkSizeTable, nextChunkIndex: Int,
                chunksRemaining: Int?, bufferSeconds: Double, bufferCapacitySeconds: Double,
                lastRenditionIndex: Int) {
        self.ladder = ladder
        self.chunkSizes = chunkSizes
        self.nextChunkIndex = nextChunkIndex
        self.chunksRemaining = chunksRemaining
        self.bufferSeconds = bufferSeconds
        self.bufferCapacitySeconds = bufferCapacitySeconds
        self.lastRenditionIndex = lastRenditionIndex
    }

    /// Media seconds per chunk.
    public var chunkDurationSeconds: Double { chunkSizes.chunkDurationSeconds }

    /// Chunks a planner may look ahead, at most `horizon`.
    public func planningHorizon(_ horizon: Int) -> Int {
        max(1, min(horizon, chunksRemaining ?? horizon))
    }
}

/// A rendition-choice algorithm as a pure state machine: it is fed events about one peer's path
/// and asked, before each chunk, which rendition to send.
///
/// Implementations are small fixed-size values with no I/O and no clock of their own, so the
/// same code runs per peer in the server and per trace in the simulator.
public protocol RenditionSelector: Sendable {
    /// Short stable name used on the command line and in reports.
    var name: String { get }
    /// Folds one observation into the selector's state.
    mutating func observe(_ event: PathEvent)
    /// The rendition index (into `context.ladder`) for chunk `context.nextChunkIndex`.
    mutating func decide(_ context: DecisionContext) -> Int
}

/// The selectors Mutstream ships, by name.
public enum SelectorKind: String, Sendable, CaseIterable {
    /// Highest rendition under the harmonic mean of recent throughput.
    case throughput
    /// BOLA-BASIC: Lyapunov buffer-based utility maximisation.
    case bola
    /// RobustMPC: horizon-5 model-predictive control over a discounted throughput forecast.
    case robustMPC = "robustmpc"
    /// Mutstream's controller: stochastic MPC over predicted transmission times.
    case mutstream

    /// A fresh selector of this kind with default parameters.
    public func makeSelector() -> any RenditionSelector {
        switch self {
        case .throughput: ThroughputRule()
        case .bola: BOLA()
        case .robustMPC: RobustMPC()
        case .mutstream: MutstreamController()
        }
    }
}
