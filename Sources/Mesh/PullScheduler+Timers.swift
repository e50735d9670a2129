extension PullScheduler {
    /// The time by which the scheduler wants a `tick` (a silence bound, a hedge point, the
    /// end of a backoff, an abandonment); nil when nothing is due. Ticking later is safe,
    /// only slower to react.
    public var nextWakeSeconds: Double? {
        var earliest: Double?
        func consider(_ t: Double) { earliest = min(earliest ?? t, t) }
        for chunk in pending {
            consider(chunk.indexedAtSeconds + configuration.abandonDurationFactor * chunk.durationSeconds)
            for attempt in chunk.attempts {
                consider(silenceDeadlineSeconds(attempt, chunk))
            }
            if configuration.isHedgingEnabled, chunk.attempts.count == 1 {
                consider(hedgeFromSeconds(chunk))
            }
        }
        if pending.contains(where: { $0.attempts.isEmpty }) {
            for u in upstreams { if let t = u.estimate.backoffUntilSeconds { consider(t) } }
        }
        return earliest
    }

    /// How long a request may go without bytes: `silenceDurationFactor` chunk durations, and
    /// at least `silenceRTTFactor` of the upstream's round trips.
    func silenceLimitSeconds(_ attempt: Attempt, _ chunk: PendingChunk) -> Double {
        max(configuration.silenceDurationFactor * chunk.durationSeconds, configuration.silenceRTTFactor * rttSeconds(of: attempt.upstream))
    }

    /// When a request still waiting for its first byte counts as silent, if sooner than
    /// the bound above: when its upstream as a whole has sent nothing for
    /// `firstByteRTTFactor` round trips (at least `firstByteDurationFactor` chunk
    /// durations). A link that went dark shows as requests never answered, and on a short
    /// round trip waiting a whole part for them makes the part late; while the upstream
    /// is sending other chunks, a request queued behind them waits the usual bound.
    func firstByteDeadlineSeconds(_ attempt: Attempt, _ chunk: PendingChunk) -> Double? {
        guard attempt.firstByteAtSeconds == nil, let u = upstreamIndex(attempt.upstream) else { return nil }
        let quiet = max(attempt.lastActivitySeconds, upstreams[u].lastByteSeconds ?? -.infinity)
        let bound = max(configuration.firstByteRTTFactor * rttSeconds(of: upstreams[u]),
                        configuration.firstByteDurationFactor * chunk.durationSeconds)
        return quiet + min(bound, silenceLimitSeconds(attempt, chunk))
    }

    /// When the request is dropped as silent unless bytes come first.
    func silenceDeadlineSeconds(_ attempt: Attempt, _ chunk: PendingChunk) -> Double {
        let body = attempt.lastActivitySeconds + silenceLimitSeconds(attempt, chunk)
        return firstByteDeadlineSeconds(attempt, chunk).map { min($0, body) } ?? body
    }

    func rttSeconds(of upstream: UpstreamID) -> Double {
        upstreamIndex(upstream).map { rttSeconds(of: upstreams[$0]) } ?? configuration.initialRTTSeconds
    }

    func hedgeFromSeconds(_ chunk: PendingChunk) -> Double {
        chunk.deadlineSeconds(configuration) - configuration.hedgeLeadDurationFactor * chunk.durationSeconds
    }

    /// Drops silent requests, abandons stale chunks, and hedges chunks at risk.
    mutating func checkTimers(now: Double, actions: inout [PullAction]) {
        var p = 0
        while p < pending.count {
            if now - pending[p].indexedAtSeconds >= configuration.abandonDurationFactor * pending[p].durationSeconds {
                abandon(at: p, why: "not stored \(PullFailure.format(now - pending[p].indexedAtSeconds)) s after it was indexed", actions: &actions)
                continue
            }
            dropSilentRequests(p, now: now, actions: &actions)
            hedgeIfAtRisk(p, now: now, actions: &actions)
            p += 1
        }
    }

    mutating func dropSilentRequests(_ p: Int, now: Double, actions: inout [PullAction]) {
        var a = 0
        while a < pending[p].attempts.count {
            let attempt = pending[p].attempts[a]
            let silence = now - attempt.lastActivitySeconds
            guard now >= silenceDeadlineSeconds(attempt, pending[p]) else {
                a += 1
                continue
            }
            let chunk = pending[p].entry.id
            actions.append(.cancel(chunk, from: attempt.upstream))
            let before = pending[p].attempts.count
            // A silence says more about the path than its old average: halve it, so the
            // next chunk prefers another upstream even before the backoff ends.
            if let u = upstreamIndex(attempt.upstream), let rate = upstreams[u].estimate.throughputBytesPerSecond {
                upstreams[u].estimate.throughputBytesPerSecond = rate / 2
            }
            failed(chunk, from: attempt.upstream, reason: .silent(seconds: silence), now: now, actions: &actions)
            if pending[p].attempts.count == before { pending[p].attempts.remove(at: a) }
        }
    }

    mutating func hedgeIfAtRisk(_ p: Int, now: Double, actions: inout [PullAction]) {
        guard configuration.isHedgingEnabled, pending[p].attempts.count == 1,
              pending.count(where: { $0.attempts.count > 1 }) < configuration.maximumHedgesInFlight,
              now >= hedgeFromSeconds(pending[p])
        else { return }
        let primary = pending[p].attempts[0]
        let finish = predictedFinishSeconds(of: primary, now: now)
        // Only to an idle upstream: when every upstream is busy (a backlog), a duplicate
        // transfer takes the bandwidth the other chunks need and delays them all.
        guard finish > pending[p].deadlineSeconds(configuration),
              let alternative = bestUpstream(for: p, now: now, excluding: primary.upstream),
              alternative.completionSeconds < finish, requestCount(to: alternative.id) == 0
        else { return }
        pending[p].attempts.append(Attempt(upstream: alternative.id, at: now, isHedge: true))
        noteAssigned(alternative.id, at: now)
        actions.append(.hedge(pending[p].entry.id, to: alternative.id))
        actions.append(.log(PullLogRecord(.info,
            "\(pending[p].entry.id): \(primary.upstream) expected to miss the deadline; hedged to \(alternative.id)")))
    }
}
