import NIOCore
import Synchronization

/// The adaptive sessions of every `auto` playlist: bounded in number (least recently seen
/// dropped first) and expiring when idle, with the keys that match requests to them.
///
/// A playlist request finds its session by the `s` argument, else the player's CMCD session
/// id, else the client's address and `User-Agent`; a media request (parts and segments keep
/// their shared, cacheable URLs) by the CMCD session id or the address and `User-Agent`.
/// Lock order: this table's lock may be held while a session's is taken, never the reverse.
public final class AutoSessionTable: Sendable {
    /// The bounds and tuning in force.
    public let configuration: AutoSessionConfiguration

    private struct State {
        var byID: [UInt64: AutoSession] = [:]
        /// Peer and CMCD-session keys → the session they last pointed at.
        var byKey: [UInt64: AutoSession] = [:]
        var newest: AutoSession?
        var oldest: AutoSession?
        var ladders: [String: (descriptor: StreamDescriptor, ladder: AutoLadder)] = [:]
        var series: [String: AutoSessionMetrics.StreamSeries] = [:]
    }

    private let state = Mutex(State())
    private let sessionCount = Atomic<Int>(0)
    private let metrics: AutoSessionMetrics

    /// Creates an empty table and registers its metrics in `registry`.
    public init(configuration: AutoSessionConfiguration = AutoSessionConfiguration(), registry: MetricsRegistry) {
        precondition(configuration.maxSessions > 0 && configuration.idleTimeoutSeconds > 0)
        self.configuration = configuration
        self.metrics = AutoSessionMetrics(registry: registry)
        registry.addCollector { [weak self] writer in self?.expose(into: &writer) }
    }

    /// Sessions held now (some may be idle past the timeout until the next request sweeps them).
    public var count: Int { self.sessionCount.load(ordering: .relaxed) }

    /// The ladder of a stream's descriptor, built once per descriptor.
    func ladder(for descriptor: StreamDescriptor) -> AutoLadder? {
        if let cached = self.state.withLock({ $0.ladders[descriptor.name] }), cached.descriptor == descriptor {
            return cached.ladder
        }
        guard let ladder = AutoLadder(descriptor) else { return nil }
        self.state.withLock { $0.ladders[descriptor.name] = (descriptor, ladder) }
        return ladder
    }

    // MARK: Finding sessions

    /// The session a playlist request belongs to, created if there is none.
    func session(
        forPlaylist stream: some StringProtocol, explicitID: UInt64?, clientSessionKey: UInt64?, peerKey: UInt64,
        nowNanoseconds: UInt64
    ) -> AutoSession {
        self.state.withLock { state -> AutoSession in
            self.expire(&state, nowNanoseconds: nowNanoseconds)
            var found: AutoSession?
            if let explicitID {
                found = state.byID[explicitID]
            } else if let clientSessionKey {
                found = state.byKey[clientSessionKey]
            } else {
                found = state.byKey[peerKey]
            }
            if let session = found, !session.stream.utf8.elementsEqual(stream.utf8) { found = nil }
            let session: AutoSession
            if let found {
                session = found
                Self.unlink(session, &state)
            } else {
                if state.byID.count >= self.configuration.maxSessions, let oldest = state.oldest {
                    self.remove(oldest, &state)
                    self.metrics.evictedCapacity.increment()
                }
                var id = explicitID ?? UInt64.random(in: 1...UInt64.max)
                while explicitID == nil && state.byID[id] != nil { id = UInt64.random(in: 1...UInt64.max) }
                if let stale = state.byID[id] { self.remove(stale, &state) }
                let name = String(stream)
                let series = state.series[name] ?? self.metrics.series(stream: name)
                state.series[name] = series
                let kind: AutoSessionKeyKind = explicitID != nil ? .explicit : clientSessionKey != nil ? .clientSessionID : .peer
                session = AutoSession(id: id, stream: name, keyKind: kind, selector: self.configuration.selector,
                                      series: series, nowNanoseconds: nowNanoseconds)
                state.byID[id] = session
                self.sessionCount.store(state.byID.count, ordering: .relaxed)
            }
            Self.pushNewest(session, &state)
            session.lastSeenNanoseconds.store(nowNanoseconds, ordering: .relaxed)
            // The newest session of a peer (or CMCD session) gets its media samples.
            Self.bind(session, key: peerKey, isPeer: true, &state)
            if let clientSessionKey { Self.bind(session, key: clientSessionKey, isPeer: false, &state) }
            return session
        }
    }

    /// The session a media request belongs to, if any; seeing it keeps the session alive.
    func session(forMedia clientSessionKey: UInt64?, peerKey: UInt64, nowNanoseconds: UInt64) -> AutoSession? {
        self.state.withLock { state -> AutoSession? in
            self.expire(&state, nowNanoseconds: nowNanoseconds)
            guard let session = clientSessionKey.flatMap({ state.byKey[$0] }) ?? state.byKey[peerKey] else { return nil }
            Self.unlink(session, &state)
            Self.pushNewest(session, &state)
            session.lastSeenNanoseconds.store(nowNanoseconds, ordering: .relaxed)
            return session
        }
    }

    /// Drops sessions idle past the timeout (requests do this as they come; scrapes and
    /// tests call it too).
    public func expireIdle() {
        let now = NIODeadline.now().uptimeNanoseconds
        self.state.withLock { self.expire(&$0, nowNanoseconds: now) }
    }

    /// Up to `limit` sessions, most recently seen first.
    public func summaries(limit: Int) -> [AutoSessionSummary] {
        let now = NIODeadline.now().uptimeNanoseconds
        let sessions = self.state.withLock { state -> [AutoSession] in
            self.expire(&state, nowNanoseconds: now)
            var result: [AutoSession] = []
            result.reserveCapacity(min(limit, state.byID.count))
            var cursor = state.newest
            while let session = cursor, result.count < limit {
                result.append(session)
                cursor = session.older
            }
            return result
        }
        return sessions.map { $0.summary(nowNanoseconds: now) }
    }

    // MARK: Keys

    /// The key of a client: its address (hashed once per connection) and `User-Agent`, per stream.
    static func peerKey(stream: some StringProtocol, addressHash: Int, userAgent: String?) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(0 as UInt8)
        Self.combine(stream, into: &hasher)
        hasher.combine(addressHash)
        if let userAgent { Self.combine(userAgent, into: &hasher) }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// The key of a player's CMCD session id, per stream.
    static func clientSessionKey(stream: some StringProtocol, sessionID: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(1 as UInt8)
        Self.combine(stream, into: &hasher)
        Self.combine(sessionID, into: &hasher)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private static func combine(_ text: some StringProtocol, into hasher: inout Hasher) {
        hasher.combine(text.utf8.count)
        for byte in text.utf8 { hasher.combine(byte) }
    }

    // MARK: Internals (lock held)

    private static func bind(_ session: AutoSession, key: UInt64, isPeer: Bool, _ state: inout State) {
        if let previous = state.byKey[key], previous !== session {
            if isPeer { previous.peerKey = nil } else { previous.clientSessionKey = nil }
        }
        let old = isPeer ? session.peerKey : session.clientSessionKey
        if let old, old != key, state.byKey[old] === session { state.byKey[old] = nil }
        state.byKey[key] = session
        if isPeer { session.peerKey = key } else { session.clientSessionKey = key }
    }

    private func expire(_ state: inout State, nowNanoseconds: UInt64) {
        let idle = UInt64(self.configuration.idleTimeoutSeconds * 1e9)
        while let oldest = state.oldest,
              nowNanoseconds > idle, oldest.lastSeenNanoseconds.load(ordering: .relaxed) < nowNanoseconds - idle {
            self.remove(oldest, &state)
            self.metrics.evictedIdle.increment()
        }
    }

    private func remove(_ session: AutoSession, _ state: inout State) {
        Self.unlink(session, &state)
        state.byID[session.id] = nil
        for key in [session.peerKey, session.clientSessionKey].compactMap({ $0 }) where state.byKey[key] === session {
            state.byKey[key] = nil
        }
        session.peerKey = nil
        session.clientSessionKey = nil
        self.sessionCount.store(state.byID.count, ordering: .relaxed)
    }

    private static func unlink(_ session: AutoSession, _ state: inout State) {
        let newer = session.newer, older = session.older
        if let newer { newer.older = older } else if state.newest === session { state.newest = older }
        if let older { older.newer = newer } else if state.oldest === session { state.oldest = newer }
        session.newer = nil
        session.older = nil
    }

    private static func pushNewest(_ session: AutoSession, _ state: inout State) {
        session.older = state.newest
        session.newer = nil
        state.newest?.newer = session
        state.newest = session
        if state.oldest == nil { state.oldest = session }
    }

    // MARK: Metrics

    private func expose(into writer: inout PrometheusTextWriter) {
        let now = NIODeadline.now().uptimeNanoseconds
        var perStream: [String: Int] = [:]
        var perRendition: [[String]: Int] = [:]
        self.state.withLock { state in
            self.expire(&state, nowNanoseconds: now)
            var cursor = state.newest
            while let session = cursor {
                perStream[session.stream, default: 0] += 1
                if let rendition = session.currentRendition { perRendition[[session.stream, rendition], default: 0] += 1 }
                cursor = session.older
            }
        }
        writer.header(name: "mutstream_abr_sessions", help: "Auto-playlist sessions held, by stream.", type: .gauge)
        for (stream, count) in perStream.sorted(by: { $0.key < $1.key }) {
            writer.sample(name: "mutstream_abr_sessions", labels: [("stream", stream)], value: count)
        }
        writer.header(
            name: "mutstream_abr_chosen_sessions", help: "Auto-playlist sessions whose newest segment is on each rendition.",
            type: .gauge
        )
        for (labels, count) in perRendition.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            writer.sample(name: "mutstream_abr_chosen_sessions", labels: [("stream", labels[0]), ("rendition", labels[1])], value: count)
        }
    }
}
