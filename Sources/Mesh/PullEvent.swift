/// What the puller's I/O loop tells the ``PullScheduler``. Each comes with the time it
/// happened (``PullScheduler/handle(_:at:)``).
public enum PullEvent: Sendable, Hashable {
    /// An upstream became eligible (see ``PullPlanner``).
    case upstreamAdded(UpstreamID)
    /// An upstream is no longer eligible: its requests are cancelled and moved elsewhere.
    case upstreamRemoved(UpstreamID)
    /// An upstream's index long-poll returned an entry whose signature verified: the
    /// upstream has that chunk. The first such entry for a chunk schedules it.
    case indexEntryAvailable(ChunkIndexEntry, from: UpstreamID)
    /// The request for a chunk went out (optional: without it the time of the `request`
    /// action counts).
    case requestStarted(ChunkID, upstream: UpstreamID)
    /// Body bytes of a chunk arrived.
    case bytesReceived(ChunkID, from: UpstreamID, countBytes: Int)
    /// A chunk arrived whole and verified against its signed entry.
    case chunkCompleted(ChunkID, from: UpstreamID)
    /// A request failed.
    case chunkFailed(ChunkID, from: UpstreamID, reason: PullFailure)
    /// A chunk arrived whole but did not verify: its bytes are dropped.
    case verificationFailed(ChunkID, from: UpstreamID)
    /// Nobody reads this rendition any more: forget its chunks and cancel their requests.
    case renditionStopped(stream: String, rendition: String)
    /// Time passed (at ``PullScheduler/nextWakeSeconds`` or any later time).
    case tick
}

/// Why a request failed.
public enum PullFailure: Sendable, Hashable, CustomStringConvertible {
    /// The connection was refused, or the upstream answered with an error status.
    case refused(statusCode: Int?)
    /// The connection was reset or closed early.
    case reset
    /// No bytes for longer than the silence bound (decided by the scheduler itself).
    case silent(seconds: Double)

    public var description: String {
        switch self {
        case .refused(let code?): "refused (HTTP \(code))"
        case .refused(nil): "refused"
        case .reset: "reset"
        case .silent(let s): "silent for \(Self.format(s)) s"
        }
    }

    static func format(_ seconds: Double) -> String {
        let ms = Int((seconds * 1000).rounded())
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - String(ms % 1000).count))\(ms % 1000)"
    }
}
