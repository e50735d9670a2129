extension PullScheduler {
    mutating func accept(_ entry: ChunkIndexEntry, from upstream: UpstreamID, now: Double, actions: inout [PullAction]) {
        guard let u = upstreamIndex(upstream) else { return }
        upstreams[u].advertise(entry.id)
        let key = entry.id.stream + "/" + entry.id.rendition
        let predecessor = newestIndexed[key]
        if let predecessor, !entry.id.isAfter(predecessor) { return }
        newestIndexed[key] = entry.id
        if pending.count >= configuration.maximumPendingChunks {
            abandon(at: 0, why: "queue full (\(configuration.maximumPendingChunks) chunks)", actions: &actions)
        }
        pending.append(PendingChunk(entry: entry, predecessor: predecessor, indexedAtSeconds: now))
    }

    mutating func received(_ count: Int, of chunk: ChunkID, from upstream: UpstreamID, now: Double) {
        guard count > 0, let u = upstreamIndex(upstream) else { return }
        upstreams[u].estimate.bytesReceived += UInt64(count)
        upstreams[u].lastByteSeconds = now
        guard let (p, a) = attemptIndex(chunk, upstream) else { return }
        if pending[p].attempts[a].firstByteAtSeconds == nil {
            pending[p].attempts[a].firstByteAtSeconds = now
            upstreams[u].estimate.recordRTT(now - pending[p].attempts[a].requestedAtSeconds, smoothing: configuration.rttSmoothing)
        }
        pending[p].attempts[a].receivedBytes += UInt64(count)
        pending[p].attempts[a].lastActivitySeconds = now
        // Throughput is sampled over intervals in which the upstream was sending: bytes that
        // open an interval arrived before it and are not counted.
        if let start = upstreams[u].sampleStartSeconds {
            upstreams[u].sampleBytes += Double(count)
            if now - start >= configuration.throughputSampleSeconds {
                closeSample(u, now: now)
            }
        } else {
            upstreams[u].sampleStartSeconds = now
            upstreams[u].sampleBytes = 0
        }
    }

    mutating func completed(_ chunk: ChunkID, from upstream: UpstreamID, now: Double, actions: inout [PullAction]) {
        guard let (p, a) = attemptIndex(chunk, upstream), let u = upstreamIndex(upstream) else { return }
        let attempt = pending[p].attempts.remove(at: a)
        if upstreams[u].sampleStartSeconds != nil, now - upstreams[u].sampleStartSeconds! >= configuration.throughputSampleSeconds / 2 {
            closeSample(u, now: now)
        }
        if upstreams[u].estimate.throughputBytesPerSecond == nil, now > attempt.requestedAtSeconds {
            // Coarse events (the whole body at once) leave no interval: count the request's
            // whole time, round trip included, until real samples replace it.
            upstreams[u].estimate.recordThroughput(
                Double(pending[p].entry.lengthBytes) / (now - attempt.requestedAtSeconds), smoothing: 1)
        }
        if !isSending(upstream) { upstreams[u].sampleStartSeconds = nil }
        upstreams[u].estimate.consecutiveFailures = 0
        upstreams[u].estimate.backoffUntilSeconds = nil
        upstreams[u].estimate.chunksStored += 1
        actions.append(.store(chunk, from: upstream))
        for other in pending[p].attempts {
            actions.append(.cancel(chunk, from: other.upstream))
        }
        let others = pending[p].attempts.map(\.upstream)
        pending.remove(at: p)
        for other in others { endSampleIfIdle(other) }
    }

    mutating func failed(_ chunk: ChunkID, from upstream: UpstreamID, reason: PullFailure, now: Double, actions: inout [PullAction]) {
        guard let (p, a) = attemptIndex(chunk, upstream), let u = upstreamIndex(upstream) else { return }
        pending[p].attempts.remove(at: a)
        pending[p].excluded.insert(upstream)
        endSampleIfIdle(upstream)
        upstreams[u].estimate.recordFailure(at: now, configuration: configuration)
        let backoff = (upstreams[u].estimate.backoffUntilSeconds ?? now) - now
        actions.append(.log(PullLogRecord(.warning,
            "\(chunk) from \(upstream): \(reason); retrying elsewhere, \(upstream) backs off \(PullFailure.format(backoff)) s")))
    }

    mutating func verificationFailed(_ chunk: ChunkID, from upstream: UpstreamID, now: Double, actions: inout [PullAction]) {
        guard let (p, a) = attemptIndex(chunk, upstream), let u = upstreamIndex(upstream) else { return }
        pending[p].attempts.remove(at: a)
        pending[p].excluded.insert(upstream)
        endSampleIfIdle(upstream)
        upstreams[u].estimate.verificationFailures += 1
        let count = upstreams[u].estimate.verificationFailures
        actions.append(.log(PullLogRecord(.warning, "\(chunk) from \(upstream) failed verification (\(count) so far); dropped")))
        guard count >= configuration.demotionThreshold, !upstreams[u].estimate.isDemoted else { return }
        upstreams[u].estimate.isDemoted = true
        actions.append(.demote(upstream, reason: .badData(count: count)))
        actions.append(.log(PullLogRecord(.warning, "\(upstream) demoted: \(DemotionReason.badData(count: count))")))
        cancelRequests(to: upstream, actions: &actions)
    }

    mutating func removeUpstream(_ id: UpstreamID, actions: inout [PullAction]) {
        guard let u = upstreamIndex(id) else { return }
        cancelRequests(to: id, actions: &actions)
        upstreams.remove(at: u)
        for p in pending.indices { pending[p].excluded.remove(id) }
    }

    mutating func stopRendition(stream: String, rendition: String, actions: inout [PullAction]) {
        newestIndexed[stream + "/" + rendition] = nil
        var kept: [PendingChunk] = []
        for chunk in pending {
            guard chunk.entry.id.stream == stream, chunk.entry.id.rendition == rendition else {
                kept.append(chunk)
                continue
            }
            for attempt in chunk.attempts { actions.append(.cancel(chunk.entry.id, from: attempt.upstream)) }
        }
        pending = kept
        for u in upstreams.map(\.id) { endSampleIfIdle(u) }
    }

    /// Cancels every request to an upstream; their chunks go back to the queue.
    mutating func cancelRequests(to upstream: UpstreamID, actions: inout [PullAction]) {
        for p in pending.indices {
            guard let a = pending[p].attempts.firstIndex(where: { $0.upstream == upstream }) else { continue }
            pending[p].attempts.remove(at: a)
            actions.append(.cancel(pending[p].entry.id, from: upstream))
        }
        endSampleIfIdle(upstream)
    }

    /// Gives up the chunk at `index` of the queue.
    mutating func abandon(at index: Int, why: String, actions: inout [PullAction]) {
        let chunk = pending.remove(at: index)
        for attempt in chunk.attempts {
            actions.append(.cancel(chunk.entry.id, from: attempt.upstream))
            endSampleIfIdle(attempt.upstream)
        }
        actions.append(.abandon(chunk.entry.id))
        actions.append(.log(PullLogRecord(.warning, "\(chunk.entry.id) abandoned: \(why)")))
    }

    mutating func closeSample(_ u: Int, now: Double) {
        guard let start = upstreams[u].sampleStartSeconds, now > start else { return }
        if upstreams[u].sampleBytes > 0 {
            upstreams[u].estimate.recordThroughput(upstreams[u].sampleBytes / (now - start), smoothing: configuration.throughputSmoothing)
        }
        upstreams[u].sampleStartSeconds = now
        upstreams[u].sampleBytes = 0
    }

    /// True while some request to the upstream has received its first byte and is not done.
    func isSending(_ upstream: UpstreamID) -> Bool {
        pending.contains { $0.attempts.contains { $0.upstream == upstream && $0.firstByteAtSeconds != nil } }
    }

    mutating func endSampleIfIdle(_ upstream: UpstreamID) {
        guard !isSending(upstream), let u = upstreamIndex(upstream) else { return }
        upstreams[u].sampleStartSeconds = nil
        upstreams[u].sampleBytes = 0
    }
}
