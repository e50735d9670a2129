/// Demand-driven pulling: a relay pulls a rendition only while someone reads it, and stops
/// after it has been idle for ``idleSeconds``.
///
/// A pure state machine like ``PullScheduler``: the HTTP side reports reads (players' and
/// downstream peers'), the puller ticks it, and carries out the starts and stops; a stop
/// goes to the scheduler as ``PullEvent/renditionStopped(stream:rendition:)``.
public struct RenditionDemand: Sendable {
    /// What to do about a rendition.
    public enum Action: Sendable, Hashable {
        /// Start long-polling its index from the upstreams.
        case startPulling(stream: String, rendition: String)
        /// Stop pulling it.
        case stopPulling(stream: String, rendition: String)
    }

    /// Idle time after which a rendition is no longer pulled.
    public var idleSeconds: Double
    private var lastReadSeconds: [RenditionKey: Double] = [:]

    struct RenditionKey: Hashable, Sendable {
        var stream: String
        var rendition: String
    }

    /// No rendition pulled yet.
    public init(idleSeconds: Double) { self.idleSeconds = idleSeconds }

    /// A read of the rendition (a playlist, part, segment or mesh index/chunk request).
    public mutating func noteRead(stream: String, rendition: String, at now: Double) -> [Action] {
        let key = RenditionKey(stream: stream, rendition: rendition)
        let isNew = lastReadSeconds[key] == nil
        lastReadSeconds[key] = max(lastReadSeconds[key] ?? now, now)
        return isNew ? [.startPulling(stream: stream, rendition: rendition)] : []
    }

    /// Stops renditions idle for ``idleSeconds``.
    public mutating func tick(at now: Double) -> [Action] {
        let idle = lastReadSeconds.filter { now - $0.value >= idleSeconds }.keys
            .sorted { ($0.stream, $0.rendition) < ($1.stream, $1.rendition) }
        for key in idle { lastReadSeconds[key] = nil }
        return idle.map { .stopPulling(stream: $0.stream, rendition: $0.rendition) }
    }

    /// True while the rendition is pulled.
    public func isPulling(stream: String, rendition: String) -> Bool {
        lastReadSeconds[RenditionKey(stream: stream, rendition: rendition)] != nil
    }

    /// When the next rendition would go idle; nil when none is pulled.
    public var nextWakeSeconds: Double? { lastReadSeconds.values.min().map { $0 + idleSeconds } }
}
