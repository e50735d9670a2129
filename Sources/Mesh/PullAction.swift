/// What the ``PullScheduler`` asks the puller's I/O loop to do.
public enum PullAction: Sendable, Hashable {
    /// Request the chunk's bytes from the upstream (`GET /mesh/v1/…/{msn}.{part}`).
    case request(ChunkID, from: UpstreamID)
    /// A second request for a chunk already in flight elsewhere, near its deadline; the I/O
    /// loop does the same as for `request`.
    case hedge(ChunkID, to: UpstreamID)
    /// Abort the request for the chunk from that upstream and drop any bytes of it.
    case cancel(ChunkID, from: UpstreamID)
    /// Put the chunk's bytes received from that upstream into the store (and serve them).
    /// Bytes of a completed request that got no `store` are dropped.
    case store(ChunkID, from: UpstreamID)
    /// Give the chunk up: it is too old to matter, or the queue is full.
    case abandon(ChunkID)
    /// The upstream sent bad data too often: it gets no more requests. Count it in metrics.
    case demote(UpstreamID, reason: DemotionReason)
    /// A line for the log.
    case log(PullLogRecord)
}

/// Why an upstream was demoted.
public enum DemotionReason: Sendable, Hashable, CustomStringConvertible {
    /// This many chunks from it failed verification.
    case badData(count: Int)

    public var description: String {
        switch self {
        case .badData(let n): "\(n) chunks failed verification"
        }
    }
}

/// One log line from the scheduler.
public struct PullLogRecord: Sendable, Hashable, CustomStringConvertible {
    /// Severity.
    public enum Level: String, Sendable, Hashable {
        case info, warning
    }

    /// Severity.
    public var level: Level
    /// The message.
    public var message: String

    /// A log line.
    public init(_ level: Level, _ message: String) {
        self.level = level
        self.message = message
    }

    public var description: String { "\(level): \(message)" }
}
