import Mesh

/// Feeds a recorded event script to a scheduler and keeps every action with its time.
struct Replay {
    var scheduler: PullScheduler
    private(set) var log: [(seconds: Double, action: PullAction)] = []

    init(_ configuration: PullSchedulerConfiguration = PullSchedulerConfiguration(), upstreams: [UpstreamID]) {
        scheduler = PullScheduler(configuration: configuration)
        for u in upstreams { _ = scheduler.handle(.upstreamAdded(u), at: 0) }
    }

    /// Handles one event; returns its actions without the log lines.
    @discardableResult
    mutating func at(_ seconds: Double, _ event: PullEvent) -> [PullAction] {
        let actions = scheduler.handle(event, at: seconds)
        log += actions.map { (seconds, $0) }
        return actions.filter { if case .log = $0 { false } else { true } }
    }

    /// The index entry arrives from each of `upstreams`.
    @discardableResult
    mutating func indexed(_ entry: ChunkIndexEntry, at seconds: Double, from upstreams: [UpstreamID]) -> [PullAction] {
        upstreams.flatMap { at(seconds, .indexEntryAvailable(entry, from: $0)) }
    }

    /// Plays a script of (time, event) lines.
    mutating func play(_ script: [(Double, PullEvent)]) {
        for (t, e) in script { at(t, e) }
    }

    var logLines: [String] {
        log.compactMap { if case .log(let record) = $0.action { record.message } else { nil } }
    }
}
