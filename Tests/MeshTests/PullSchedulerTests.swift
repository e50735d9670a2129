@testable import Mesh
import Testing

/// Recorded event scripts replayed against the scheduler: every time is an input.
@Suite struct PullSchedulerTests {
    let a: UpstreamID = "a"
    let b: UpstreamID = "b"

    @Test func singleUpstreamSteadyState() {
        var r = Replay(upstreams: [a])
        for i in 0..<10 {
            let t = Double(i) * 0.5
            let chunk = Fixtures.chunk(UInt64(i))
            #expect(r.indexed(Fixtures.scheduled(UInt64(i)), at: t, from: [a]) == [.request(chunk, from: a)])
            #expect(r.at(t + 0.02, .bytesReceived(chunk, from: a, countBytes: 10_000)).isEmpty)
            #expect(r.at(t + 0.06, .bytesReceived(chunk, from: a, countBytes: 45_000)).isEmpty)
            #expect(r.at(t + 0.10, .bytesReceived(chunk, from: a, countBytes: 45_000)).isEmpty)
            #expect(r.at(t + 0.10, .chunkCompleted(chunk, from: a)) == [.store(chunk, from: a)])
            #expect(r.at(t + 0.3, .tick).isEmpty)
        }
        let estimate = r.scheduler.estimate(of: a)!
        #expect(abs(estimate.rttSeconds! - 0.02) < 1e-9)
        #expect(abs(estimate.throughputBytesPerSecond! - 1_125_000) < 1)
        #expect(estimate.chunksStored == 10 && estimate.failures == 0)
        #expect(r.scheduler.pendingChunks.isEmpty && r.scheduler.nextWakeSeconds == nil)
        #expect(r.logLines.isEmpty)
    }

    @Test func assignmentFollowsTheEstimateWhenOneUpstreamIsThreeTimesFaster() {
        var sim = LinkSimulator(upstreams: [
            .init(id: a, rateBytesPerSecond: 1_000_000, rttSeconds: 0.02),
            .init(id: b, rateBytesPerSecond: 3_000_000, rttSeconds: 0.02),
        ])
        sim.run(until: 20.5, entries: LinkSimulator.live(count: 40, lengthBytes: 150_000, intervalSeconds: 0.5))
        #expect(sim.stored.count == 40 && sim.abandoned.isEmpty)
        // Both were probed; after that the faster one carries everything but a re-probe of
        // the slower one every 10 s.
        #expect((1...3).contains(sim.storedCount(from: a)))
        #expect(sim.stored.dropFirst(1).prefix(18).allSatisfy { $0.upstream == b })
        let ratio = sim.replay.scheduler.estimate(of: b)!.throughputBytesPerSecond! / sim.replay.scheduler.estimate(of: a)!.throughputBytesPerSecond!
        #expect(abs(ratio - 3) < 0.3, "estimated ratio \(ratio)")
        #expect(sim.hedges == 0)
    }

    @Test func silentUpstreamIsDroppedWithinTheSilenceBound() {
        var config = PullSchedulerConfiguration()
        config.isHedgingEnabled = false
        var r = Replay(config, upstreams: [a, b])
        let chunk = Fixtures.chunk(0)
        #expect(r.indexed(Fixtures.scheduled(0), at: 0, from: [a, b]) == [.request(chunk, from: a)])
        r.at(0.02, .bytesReceived(chunk, from: a, countBytes: 10_000))
        // 1.5 part durations (0.5 s) after the last byte, not a fixed multi-second timeout.
        #expect(r.scheduler.nextWakeSeconds == 0.77)
        #expect(r.at(0.5, .tick).isEmpty)
        #expect(r.at(0.76, .tick).isEmpty)
        #expect(r.at(0.77, .tick) == [.cancel(chunk, from: a), .request(chunk, from: b)])
        #expect(r.logLines.last!.contains("silent for 0.750 s"))
        r.at(0.80, .bytesReceived(chunk, from: b, countBytes: 100_000))
        #expect(r.at(0.80, .chunkCompleted(chunk, from: b)) == [.store(chunk, from: b)])
        let estimate = r.scheduler.estimate(of: a)!
        #expect(estimate.failures == 1 && estimate.backoffUntilSeconds == 1.02)
    }

    @Test func requestNeverAnsweredIsDroppedAfterAFewRoundTrips() {
        var config = PullSchedulerConfiguration()
        config.isHedgingEnabled = false
        var r = Replay(config, upstreams: [a, b])
        // A measured 20 ms round trip on a: the chunk is indexed, so an answer takes about one.
        let first = Fixtures.chunk(0)
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a, b])
        r.at(0.02, .bytesReceived(first, from: a, countBytes: 100_000))
        r.at(0.03, .chunkCompleted(first, from: a))
        // The next goes to b, not yet measured (a probe; its round trip is taken as a's).
        let second = Fixtures.chunk(1)
        #expect(r.indexed(Fixtures.scheduled(1), at: 0.5, from: [a, b]) == [.request(second, from: b)])
        // No first byte: dropped after max(4 round trips, a quarter part) = 0.125 s, not the
        // 0.75 s a request that stalls mid-body gets.
        #expect(r.scheduler.nextWakeSeconds == 0.625)
        #expect(r.at(0.62, .tick).isEmpty)
        #expect(r.at(0.625, .tick) == [.cancel(second, from: b), .request(second, from: a)])
    }

    @Test func requestQueuedBehindAnotherTransferWaitsTheUsualBound() {
        var config = PullSchedulerConfiguration()
        config.isHedgingEnabled = false
        var r = Replay(config, upstreams: [a])
        // A busy link: chunk 0 is still arriving when chunk 1 is requested from the same
        // upstream, whose answer waits behind it. Bytes keep coming, so the link is alive.
        let c0 = Fixtures.chunk(0), c1 = Fixtures.chunk(1)
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a])
        r.at(0.02, .bytesReceived(c0, from: a, countBytes: 10_000))
        #expect(r.indexed(Fixtures.scheduled(1), at: 0.1, from: [a]) == [.request(c1, from: a)])
        for t in stride(from: 0.15, through: 0.8, by: 0.05) {
            #expect(r.at(t, .bytesReceived(c0, from: a, countBytes: 10_000)).isEmpty)
        }
        #expect(r.at(0.8, .chunkCompleted(c0, from: a)) == [.store(c0, from: a)])
        // The bound of 0.75 s from the request holds for c1: then it is silent.
        #expect(r.at(0.84, .tick).isEmpty)
        #expect(r.at(0.85, .tick).first == .cancel(c1, from: a))
        #expect(r.scheduler.estimate(of: a)!.failures == 1)
    }

    @Test func firstByteBoundFollowsALongRoundTrip() {
        var config = PullSchedulerConfiguration()
        config.isHedgingEnabled = false
        var r = Replay(config, upstreams: [a, b])
        // A queue on the link: first bytes come 150 ms after the request, so 4 round trips
        // would be 0.6 s; the mid-body bound (0.75 s) is not exceeded either way.
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a, b])
        r.at(0.15, .bytesReceived(Fixtures.chunk(0), from: a, countBytes: 100_000))
        r.at(0.2, .chunkCompleted(Fixtures.chunk(0), from: a))
        r.indexed(Fixtures.scheduled(1), at: 0.5, from: [a, b])
        #expect(abs(r.scheduler.nextWakeSeconds! - 1.1) < 1e-9)
    }

    @Test func silenceBoundIsAtLeastTwoRoundTrips() {
        var config = PullSchedulerConfiguration()
        config.isHedgingEnabled = false
        var r = Replay(config, upstreams: [a, b])
        // A 0.1 s part on an upstream whose round trip is 0.2 s: 1.5 × 0.1 s would be too eager.
        let first = Fixtures.scheduled(0, lengthBytes: 1000, durationSeconds: 0.1)
        r.indexed(first, at: 0, from: [a])
        r.at(0.2, .bytesReceived(first.id, from: a, countBytes: 1000))
        r.at(0.2, .chunkCompleted(first.id, from: a))
        let second = Fixtures.scheduled(1, lengthBytes: 1000, durationSeconds: 0.1)
        r.indexed(second, at: 1, from: [a, b])
        #expect(r.scheduler.requestsInFlight.map(\.upstream) == [a])
        #expect(r.scheduler.nextWakeSeconds == 1.4)
    }

    @Test func refusingUpstreamIsReplacedAtOnceAndBacksOff() {
        var r = Replay(upstreams: [a, b])
        let c0 = Fixtures.chunk(0), c1 = Fixtures.chunk(1), c2 = Fixtures.chunk(2)
        #expect(r.indexed(Fixtures.scheduled(0), at: 0, from: [a, b]) == [.request(c0, from: a)])
        #expect(r.at(0.01, .chunkFailed(c0, from: a, reason: .refused(statusCode: 503))) == [.request(c0, from: b)])
        #expect(r.logLines.last == "live/720p/0.0 from a: refused (HTTP 503); retrying elsewhere, a backs off 0.250 s")
        // During the backoff the next chunk goes to b even though a is idle.
        #expect(r.indexed(Fixtures.scheduled(1), at: 0.1, from: [a, b]) == [.request(c1, from: b)])
        r.at(0.15, .bytesReceived(c0, from: b, countBytes: 100_000))
        r.at(0.15, .chunkCompleted(c0, from: b))
        r.at(0.2, .bytesReceived(c1, from: b, countBytes: 100_000))
        r.at(0.2, .chunkCompleted(c1, from: b))
        // After the backoff a is tried again (unmeasured, so probed).
        #expect(r.indexed(Fixtures.scheduled(2), at: 0.5, from: [a, b]) == [.request(c2, from: a)])
        #expect(r.at(0.52, .chunkFailed(c2, from: a, reason: .reset)) == [.request(c2, from: b)])
        // The second consecutive failure doubles the backoff.
        #expect(r.scheduler.estimate(of: a)!.backoffUntilSeconds == 1.02)
    }

    @Test func onlyUpstreamRefusingIsRetriedAfterItsBackoff() {
        var r = Replay(upstreams: [a])
        let c0 = Fixtures.chunk(0)
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a])
        #expect(r.at(0.01, .chunkFailed(c0, from: a, reason: .refused(statusCode: nil))).isEmpty)
        #expect(r.scheduler.nextWakeSeconds == 0.26)
        #expect(r.at(0.2, .tick).isEmpty)
        #expect(r.at(0.26, .tick) == [.request(c0, from: a)])
    }

    @Test func badDataThreeTimesDemotesTheUpstream() {
        var r = Replay(upstreams: [a, b])
        var demotions: [PullAction] = []
        for i in 0..<3 {
            let t = Double(i)
            let chunk = Fixtures.chunk(UInt64(i))
            // a is unmeasured-equal or better each time, so it keeps being asked.
            #expect(r.indexed(Fixtures.scheduled(UInt64(i)), at: t, from: [a, b]) == [.request(chunk, from: a)])
            r.at(t + 0.05, .bytesReceived(chunk, from: a, countBytes: 100_000))
            let actions = r.at(t + 0.1, .verificationFailed(chunk, from: a))
            demotions += actions.filter { if case .demote = $0 { true } else { false } }
            #expect(actions.contains(.request(chunk, from: b)))
            r.at(t + 0.2, .bytesReceived(chunk, from: b, countBytes: 100_000))
            #expect(r.at(t + 0.2, .chunkCompleted(chunk, from: b)) == [.store(chunk, from: b)])
        }
        #expect(demotions == [.demote(a, reason: .badData(count: 3))])
        #expect(r.logLines.contains("a demoted: 3 chunks failed verification"))
        #expect(r.scheduler.estimate(of: a)!.isDemoted)
        // From now on a gets nothing, even when b is slower.
        #expect(r.indexed(Fixtures.scheduled(3), at: 3, from: [a, b]) == [.request(Fixtures.chunk(3), from: b)])
    }

    @Test func demotionCancelsRequestsInFlightToTheUpstream() {
        var config = PullSchedulerConfiguration()
        config.demotionThreshold = 1
        var r = Replay(config, upstreams: [a, b])
        let c0 = Fixtures.chunk(0), c1 = Fixtures.chunk(1)
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a, b])
        r.indexed(Fixtures.scheduled(1), at: 0, from: [a, b])
        #expect(r.scheduler.requestsInFlight.map(\.upstream) == [a, b])
        r.indexed(Fixtures.scheduled(2), at: 0, from: [a, b])
        let onA = r.scheduler.requestsInFlight.filter { $0.upstream == a }.map(\.chunk)
        #expect(onA == [c0, Fixtures.chunk(2)])
        let actions = r.at(0.1, .verificationFailed(c0, from: a))
        #expect(actions.contains(.demote(a, reason: .badData(count: 1))))
        #expect(actions.contains(.cancel(Fixtures.chunk(2), from: a)))
        #expect(r.scheduler.requestsInFlight.allSatisfy { $0.upstream == b })
        #expect(Set(r.scheduler.requestsInFlight.map(\.chunk)) == [c0, c1, Fixtures.chunk(2)])
    }

    @Test func hedgesNearTheDeadlineAndCancelsTheLoser() {
        var r = Replay(upstreams: [a, b])
        let chunk = Fixtures.chunk(0)
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a, b])
        // a starts, then trickles at 20 kB/s: 95 kB left will take ~5 s.
        r.at(0.02, .bytesReceived(chunk, from: a, countBytes: 1_000))
        r.at(0.12, .bytesReceived(chunk, from: a, countBytes: 2_000))
        r.at(0.22, .bytesReceived(chunk, from: a, countBytes: 2_000))
        #expect(r.scheduler.nextWakeSeconds == 0.25)
        // Half a part before the deadline (0.5 s) the chunk is hedged to b.
        #expect(r.at(0.25, .tick) == [.hedge(chunk, to: b)])
        r.at(0.3, .bytesReceived(chunk, from: a, countBytes: 1_000))
        r.at(0.3, .bytesReceived(chunk, from: b, countBytes: 50_000))
        r.at(0.35, .bytesReceived(chunk, from: b, countBytes: 50_000))
        #expect(r.at(0.35, .chunkCompleted(chunk, from: b)) == [.store(chunk, from: b), .cancel(chunk, from: a)])
        // A late completion from a is ignored: nothing stores it twice.
        #expect(r.at(0.4, .chunkCompleted(chunk, from: a)).isEmpty)
    }

    @Test func noHedgeWhenThePrimaryWillMakeIt() {
        var r = Replay(upstreams: [a, b])
        let chunk = Fixtures.chunk(0)
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a, b])
        r.at(0.02, .bytesReceived(chunk, from: a, countBytes: 10_000))
        r.at(0.10, .bytesReceived(chunk, from: a, countBytes: 40_000))
        #expect(r.at(0.25, .tick).isEmpty)
        #expect(r.at(0.45, .tick).isEmpty)
    }

    @Test func chunksAreOnlyRequestedFromUpstreamsThatHaveThem() {
        var r = Replay(upstreams: [a, b])
        // b lags: it has advertised nothing of this rendition, so all goes to a.
        for i in 0..<3 { r.indexed(Fixtures.scheduled(UInt64(i)), at: 0, from: [a]) }
        #expect(r.scheduler.requestsInFlight.map(\.upstream) == [a, a, a])
        // Once b has chunk 2 it may be asked for chunk 3 (it will answer when it has it).
        r.indexed(Fixtures.scheduled(2), at: 0.1, from: [b])
        #expect(r.indexed(Fixtures.scheduled(3), at: 0.1, from: [a]) == [.request(Fixtures.chunk(3), from: b)])
    }

    @Test func requestAheadWindowIsBounded() {
        var config = PullSchedulerConfiguration()
        config.windowChunks = 3
        var r = Replay(config, upstreams: [a, b])
        for i in 0..<8 { r.indexed(Fixtures.scheduled(UInt64(i)), at: 0, from: [a, b]) }
        #expect(r.scheduler.requestsInFlight.count == 3)
        #expect(r.scheduler.pendingChunks.count == 8)
        r.at(0.1, .bytesReceived(Fixtures.chunk(0), from: a, countBytes: 100_000))
        #expect(r.at(0.1, .chunkCompleted(Fixtures.chunk(0), from: a)).contains(.request(Fixtures.chunk(3), from: b)))
        // In media seconds too: 1.2 s of 0.5 s parts holds three of them.
        config.windowChunks = 10
        config.windowMediaSeconds = 1.2
        var s = Replay(config, upstreams: [a])
        for i in 0..<8 { s.indexed(Fixtures.scheduled(UInt64(i)), at: 0, from: [a]) }
        #expect(s.scheduler.requestsInFlight.count == 3)
    }

    @Test func staleChunksAreAbandoned() {
        var r = Replay(upstreams: [a])
        let chunk = Fixtures.chunk(0)
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a])
        _ = r.at(0.01, .chunkFailed(chunk, from: a, reason: .reset))
        // Failing over and over: backoffs grow, and after 20 part durations the chunk goes.
        var t = 0.01
        var abandoned = false
        while t < 11, !abandoned {
            t = max(t + 0.01, r.scheduler.nextWakeSeconds ?? t + 1)
            let actions = r.at(t, .tick)
            abandoned = actions.contains(.abandon(chunk))
            if actions.contains(.request(chunk, from: a)) { _ = r.at(t, .chunkFailed(chunk, from: a, reason: .reset)) }
        }
        #expect(abandoned && abs(t - 10) < 1e-9)
        #expect(r.scheduler.pendingChunks.isEmpty)
    }

    @Test func stoppingARenditionCancelsItsRequests() {
        var r = Replay(upstreams: [a])
        r.indexed(Fixtures.scheduled(0, rendition: "720p"), at: 0, from: [a])
        r.indexed(Fixtures.scheduled(0, rendition: "360p"), at: 0, from: [a])
        let actions = r.at(0.1, .renditionStopped(stream: "live", rendition: "720p"))
        #expect(actions == [.cancel(Fixtures.chunk(0, rendition: "720p"), from: a)])
        #expect(r.scheduler.pendingChunks == [Fixtures.chunk(0, rendition: "360p")])
    }

    @Test func removedUpstreamsRequestsMoveElsewhere() {
        var r = Replay(upstreams: [a, b])
        r.indexed(Fixtures.scheduled(0), at: 0, from: [a, b])
        #expect(r.at(0.1, .upstreamRemoved(a)) == [.cancel(Fixtures.chunk(0), from: a), .request(Fixtures.chunk(0), from: b)])
        #expect(r.scheduler.upstreamIDs == [b])
    }

    @Test func duplicateAndOlderIndexEntriesAreIgnored() {
        var r = Replay(upstreams: [a])
        r.indexed(Fixtures.scheduled(5), at: 0, from: [a])
        r.indexed(Fixtures.scheduled(5), at: 0.1, from: [a])
        r.indexed(Fixtures.scheduled(4), at: 0.1, from: [a])
        #expect(r.scheduler.pendingChunks == [Fixtures.chunk(5)])
    }

    @Test func replayIsDeterministic() {
        func run() -> [String] {
            var sim = LinkSimulator(upstreams: [
                .init(id: "a", rateBytesPerSecond: 800_000, rttSeconds: 0.03),
                .init(id: "b", rateBytesPerSecond: 1_200_000, rttSeconds: 0.05, behaviour: .silentFrom(3)),
            ])
            sim.run(until: 8, entries: LinkSimulator.live(count: 30, lengthBytes: 120_000, intervalSeconds: 0.25))
            return sim.replay.log.map { "\($0.seconds) \($0.action)" }
        }
        #expect(run() == run())
    }

    @Test func stateStaysSmall() {
        #expect(MemoryLayout<PullScheduler>.size < 256)
        #expect(MemoryLayout<UpstreamEstimate>.size < 256)
    }
}
