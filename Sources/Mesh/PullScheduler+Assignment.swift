extension PullScheduler {
    /// Requests every chunk in the window that has no request in flight, each from the
    /// upstream expected to deliver it first.
    mutating func assign(now: Double, actions: inout [PullAction]) {
        var mediaSecondsAhead = 0.0
        for p in pending.indices {
            if p >= configuration.windowChunks || (p > 0 && mediaSecondsAhead >= configuration.windowMediaSeconds) { break }
            mediaSecondsAhead += pending[p].durationSeconds
            guard pending[p].attempts.isEmpty, let upstream = bestUpstream(for: p, now: now) else { continue }
            pending[p].attempts.append(Attempt(upstream: upstream.id, at: now, isHedge: false))
            noteAssigned(upstream.id, at: now)
            actions.append(.request(pending[p].entry.id, from: upstream.id))
        }
    }

    /// The upstream with the earliest expected completion for the chunk at `p` among those
    /// that may take it now, with that time; nil if none may.
    func bestUpstream(for p: Int, now: Double, excluding busy: UpstreamID? = nil) -> (id: UpstreamID, completionSeconds: Double)? {
        let chunk = pending[p]
        // Upstreams that have (or are about to have) the chunk and are not demoted; of those, the ones that have not
        // failed it — unless all have, and then any of them once its backoff ends.
        let able = upstreams.filter { u in
            !u.estimate.isDemoted && u.id != busy && u.mayHave(chunk)
                && !chunk.attempts.contains { $0.upstream == u.id }
        }
        let fresh = able.filter { !chunk.excluded.contains($0.id) }
        let candidates = (fresh.isEmpty ? able : fresh).filter { u in
            (u.estimate.backoffUntilSeconds ?? now) <= now && requestCount(to: u.id) < configuration.maximumRequestsPerUpstream
        }
        var best: (id: UpstreamID, completionSeconds: Double, samples: Int)?
        for u in candidates {
            let t = expectedCompletionSeconds(of: chunk.entry.lengthBytes, on: u, now: now)
            // Ties go to the less measured upstream, so that each gets probed.
            if best == nil || t < best!.completionSeconds
                || (t == best!.completionSeconds && u.estimate.throughputSamples < best!.samples) {
                best = (u.id, t, u.estimate.throughputSamples)
            }
        }
        return best.map { ($0.id, $0.completionSeconds) }
    }

    /// When a new request for `lengthBytes` to `u` is expected to finish: its round trip
    /// overlaps the bytes already queued there, then its own bytes follow.
    func expectedCompletionSeconds(of lengthBytes: UInt64, on u: UpstreamState, now: Double) -> Double {
        // An upstream left unused for a while is assumed as good as the best once more, so
        // that one that has recovered is found again.
        let isDueForProbe = u.lastAssignedSeconds.map { now - $0 >= configuration.reprobeIntervalSeconds } ?? false
        let rate = isDueForProbe ? max(throughputBytesPerSecond(of: u), optimisticThroughputBytesPerSecond) : throughputBytesPerSecond(of: u)
        return now + max(rttSeconds(of: u), queuedBytes(on: u.id) / rate) + Double(lengthBytes) / rate
    }

    /// When the request to `upstream` for the chunk at `p` is expected to finish, if all
    /// bytes queued on that upstream go first (a pessimistic bound).
    func predictedFinishSeconds(of attempt: Attempt, now: Double) -> Double {
        guard let u = upstreamIndex(attempt.upstream) else { return .infinity }
        let rate = throughputBytesPerSecond(of: upstreams[u])
        let start = attempt.firstByteAtSeconds == nil ? max(now, attempt.requestedAtSeconds + rttSeconds(of: upstreams[u])) : now
        return start + queuedBytes(on: attempt.upstream) / rate
    }

    /// An upstream's throughput, or before it was measured the best measured one or the
    /// configured prior, whichever is higher (so that a new upstream gets tried).
    func throughputBytesPerSecond(of u: UpstreamState) -> Double {
        u.estimate.throughputBytesPerSecond ?? optimisticThroughputBytesPerSecond
    }

    var optimisticThroughputBytesPerSecond: Double {
        max(upstreams.compactMap(\.estimate.throughputBytesPerSecond).max() ?? 0, configuration.initialThroughputBytesPerSecond)
    }

    mutating func noteAssigned(_ upstream: UpstreamID, at now: Double) {
        if let u = upstreamIndex(upstream) { upstreams[u].lastAssignedSeconds = now }
    }

    /// An upstream's round trip, or before it was measured the best measured one, or the prior.
    func rttSeconds(of u: UpstreamState) -> Double {
        if let measured = u.estimate.rttSeconds { return measured }
        return upstreams.compactMap(\.estimate.rttSeconds).min() ?? configuration.initialRTTSeconds
    }

    /// Bytes still to come on the requests in flight to an upstream.
    func queuedBytes(on upstream: UpstreamID) -> Double {
        var total = 0.0
        for chunk in pending {
            for attempt in chunk.attempts where attempt.upstream == upstream {
                total += Double(chunk.entry.lengthBytes &- min(attempt.receivedBytes, chunk.entry.lengthBytes))
            }
        }
        return total
    }

    func requestCount(to upstream: UpstreamID) -> Int {
        pending.reduce(0) { $0 + $1.attempts.count { $0.upstream == upstream } }
    }
}
