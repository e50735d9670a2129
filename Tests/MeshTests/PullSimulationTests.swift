import Mesh
import Testing

/// The scheduler driven by ``LinkSimulator``'s bandwidth model.
@Suite struct PullSimulationTests {
    static let twoSlow: [LinkSimulator.Upstream] = [
        .init(id: "a", rateBytesPerSecond: 1_000_000, rttSeconds: 0.03),
        .init(id: "b", rateBytesPerSecond: 1_000_000, rttSeconds: 0.04),
    ]

    @Test func twoSlowUpstreamsAreUsedInParallel() {
        // 1.5 MB/s of media: more than either link alone, less than both together.
        var sim = LinkSimulator(upstreams: Self.twoSlow)
        sim.run(until: 21, entries: LinkSimulator.live(count: 100, lengthBytes: 300_000, intervalSeconds: 0.2))
        #expect(sim.abandoned.isEmpty)
        #expect(sim.stored.count == 100)
        #expect(sim.storedCount(from: "a") >= 35 && sim.storedCount(from: "b") >= 35)
        // The relay keeps up: no chunk is stored much later than its interval allows.
        let lagSeconds = sim.stored.map { $0.seconds - Double($0.chunk.mediaSequence) * 0.2 }.max()!
        #expect(lagSeconds < 1.0, "worst lag \(lagSeconds) s")
        let predicted = sim.replay.scheduler.predictedAggregateThroughputBytesPerSecond
        #expect(predicted >= 0.9 * 2_000_000, "predicted \(predicted) B/s")
    }

    @Test func catchUpBacklogUsesTheSumOfTheRates() {
        // 40 chunks of 250 kB already in the index: 10 MB over two 1 MB/s links.
        var config = PullSchedulerConfiguration()
        config.windowMediaSeconds = 10
        var sim = LinkSimulator(configuration: config, upstreams: Self.twoSlow)
        let backlog = (0..<40).map { (seconds: 0.0, entry: Fixtures.scheduled(UInt64($0), lengthBytes: 250_000, durationSeconds: 0.5)) }
        sim.run(until: 8, entries: backlog)
        #expect(sim.stored.count == 40)
        let doneSeconds = sim.stored.map(\.seconds).max()!
        let aggregate = 10_000_000 / doneSeconds
        #expect(aggregate >= 0.9 * 2_000_000, "aggregate \(aggregate) B/s in \(doneSeconds) s")
        #expect(sim.replay.scheduler.predictedAggregateThroughputBytesPerSecond >= 0.9 * 2_000_000)
    }

    @Test func anUpstreamGoingSilentMidStreamCostsNoChunk() {
        var sim = LinkSimulator(upstreams: [
            .init(id: "a", rateBytesPerSecond: 3_000_000, rttSeconds: 0.02, behaviour: .silentFrom(5.005)),
            .init(id: "b", rateBytesPerSecond: 1_000_000, rttSeconds: 0.02),
        ])
        sim.run(until: 12, entries: LinkSimulator.live(count: 20, lengthBytes: 150_000, intervalSeconds: 0.5))
        #expect(sim.stored.count == 20 && sim.abandoned.isEmpty)
        // Every chunk is stored within two part durations of being indexed.
        let lagSeconds = sim.stored.map { $0.seconds - Double($0.chunk.mediaSequence) * 0.5 }.max()!
        #expect(lagSeconds < 1.0, "worst lag \(lagSeconds) s")
        #expect(sim.stored.filter { $0.chunk.mediaSequence > 10 }.allSatisfy { $0.upstream == "b" })
    }

    @Test func aCorruptingUpstreamIsDemotedAndTheStreamGoesOn() {
        var sim = LinkSimulator(upstreams: [
            .init(id: "a", rateBytesPerSecond: 3_000_000, rttSeconds: 0.02, behaviour: .corrupts),
            .init(id: "b", rateBytesPerSecond: 1_000_000, rttSeconds: 0.02),
        ])
        sim.run(until: 10.5, entries: LinkSimulator.live(count: 20, lengthBytes: 100_000, intervalSeconds: 0.5))
        #expect(sim.stored.count == 20 && sim.stored.allSatisfy { $0.upstream == "b" })
        let estimate = sim.replay.scheduler.estimate(of: "a")!
        #expect(estimate.isDemoted && estimate.verificationFailures == 3)
    }

    @Test func aRefusingUpstreamBacksOffInsteadOfBeingHammered() {
        var sim = LinkSimulator(upstreams: [
            .init(id: "a", rateBytesPerSecond: 1_000_000, rttSeconds: 0.02, behaviour: .refuses),
            .init(id: "b", rateBytesPerSecond: 1_000_000, rttSeconds: 0.02),
        ])
        sim.run(until: 20.5, entries: LinkSimulator.live(count: 40, lengthBytes: 100_000, intervalSeconds: 0.5))
        #expect(sim.stored.count == 40 && sim.stored.allSatisfy { $0.upstream == "b" })
        // Backoff doubling to 8 s: a handful of tries in 20 s, not one per chunk.
        let failures = sim.replay.scheduler.estimate(of: "a")!.failures
        #expect(failures <= 8, "\(failures) failures")
    }
}
