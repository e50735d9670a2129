import Adaptation
import Testing

@testable import Relay

/// The measurement of media responses without sockets: `TCP_INFO` readings made up field by
/// field, as the kernel would report a response that runs slower than real time.
@Suite("Delivery probe")
struct DeliveryProbeTests {
    static let second: UInt64 = 1_000_000_000
    static let start: UInt64 = 100 * second

    static func session() -> AutoSession {
        let (table, _) = AutoSessionTests.table()
        return table.session(forPlaylist: "main", explicitID: nil, clientSessionKey: nil, peerKey: 1, nowNanoseconds: start)
    }

    /// A reading with `acked` bytes acknowledged over the connection's life.
    static func info(acked: UInt64, rateKbps: Double = 1_000, appLimited: Bool = false) -> TCPInfo {
        var info = TCPInfo(KernelTCPInfo())
        info.bytesAcked = acked
        info.deliveryRateBytesPerSecond = UInt64(rateKbps * 1000 / 8)
        info.deliveryRateAppLimited = appLimited
        info.rttMicroseconds = 2_000
        info.minRTTMicroseconds = 1_000
        info.sendMSSBytes = 1448
        return info
    }

    /// A 0.5-s part of 150 kB, measured from a connection that had acknowledged 1 MB before.
    static func probe() -> DeliveryProbe {
        var probe = DeliveryProbe(session: session(), renditionIndex: 2, bodyBytes: 150_000, mediaSeconds: 0.5,
                                  startNanoseconds: start, minimumSampleBytes: 16 * 1024)
        probe.start = info(acked: 1_000_000)
        return probe
    }

    @Test func aResponseSlowerThanRealTimeGivesAnInterimSampleAndTheRestOnce() throws {
        let probe = Self.probe()
        // 0.3 s in: still faster than its media; nothing yet.
        #expect(probe.interim(end: Self.info(acked: 1_040_000), nowNanoseconds: Self.start + 3 * Self.second / 10) == nil)
        // 0.6 s in, 75 kB acknowledged: 1 Mbit/s, half the body, and the player is losing buffer.
        let (sample, next) = try #require(probe.interim(end: Self.info(acked: 1_075_000), nowNanoseconds: Self.start + 6 * Self.second / 10))
        #expect(sample.bytes == 75_000)
        #expect(abs(sample.throughputKbps - 1_000) < 1)
        #expect(abs(sample.mediaDurationSeconds - 0.25) < 1e-9)
        // Too soon for another interim one.
        #expect(next.interim(end: Self.info(acked: 1_100_000), nowNanoseconds: Self.start + 8 * Self.second / 10) == nil)
        // Done at 1.2 s: the last sample covers only the other 75 kB, over the last 0.6 s.
        guard case .done(let rest, _) = next.step(end: Self.info(acked: 1_150_000), nowNanoseconds: Self.start + 12 * Self.second / 10) else {
            Issue.record("a fully acknowledged body is done")
            return
        }
        let last = try #require(rest)
        #expect(last.bytes == 75_000)
        #expect(abs(last.durationSeconds - 0.6) < 1e-9)
    }

    @Test func anInterimSampleComesFromTheReadsAfterTheLastWriteToo() throws {
        let probe = Self.probe()
        guard case .again(_, let next, let interim) = probe.step(end: Self.info(acked: 1_075_000), nowNanoseconds: Self.start + 6 * Self.second / 10) else {
            Issue.record("half a body is not done")
            return
        }
        let (sample, _) = try #require(interim)
        #expect(sample.bytes == 75_000)
        #expect(next.reportedBytes == 75_000)
    }

    @Test func aKernelRateFarBelowTheResponsesOwnIsATailAndIgnored() {
        let probe = Self.probe()
        // The body went at 3 Mbit/s (150 kB in 0.4 s); the kernel's last sample says 176 kbit/s.
        let tail = probe.transportSample(end: Self.info(acked: 1_150_000, rateKbps: 176), bodyBytes: 150_000, seconds: 0.4)
        #expect(tail.deliveryRateAppLimited)
        // A rate that merely fell during the response is kept.
        let fell = probe.transportSample(end: Self.info(acked: 1_150_000, rateKbps: 1_100), bodyBytes: 150_000, seconds: 0.6)
        #expect(!fell.deliveryRateAppLimited)
    }

    @Test func anAppLimitedResponseFasterThanTheNewestKernelRateReplacesIt() {
        let session = Self.session()
        let slow = Self.info(acked: 1, rateKbps: 1_200).transportSample
        session.recordDelivery(nil, transport: slow)
        // The link recovered; the kernel only has an app-limited burst rate to offer.
        let burst = Self.info(acked: 2, rateKbps: 700_000, appLimited: true).transportSample
        let fast = ChunkDelivery(renditionIndex: 0, bytes: 25_000, durationSeconds: 0.05, mediaDurationSeconds: 0.5)
        session.recordDelivery(fast, transport: burst)
        let newest: Double = session.state.withLock { $0.estimator.transportRateKbps.newest } ?? 0
        #expect(abs(newest - 4_000) < 1, "newest transport rate \(newest)")
        // A slower app-limited response says nothing new about the path.
        session.recordDelivery(ChunkDelivery(renditionIndex: 0, bytes: 25_000, durationSeconds: 0.5, mediaDurationSeconds: 0.5),
                               transport: burst)
        let after: Double = session.state.withLock { $0.estimator.transportRateKbps.newest } ?? 0
        #expect(abs(after - 4_000) < 1, "newest transport rate \(after)")
    }
}
