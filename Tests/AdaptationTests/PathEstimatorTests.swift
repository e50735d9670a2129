import Testing
@testable import Adaptation

@Suite struct PathEstimatorTests {
    @Test func ringKeepsTheNewestValuesOnly() {
        var ring = RecentSamples()
        #expect(ring.newest == nil && ring.harmonicMean(newest: 5) == nil)
        for v in 1...20 { ring.append(Double(v)) }
        #expect(ring.count == RecentSamples.capacity)
        #expect(ring[age: 0] == 20 && ring[age: 15] == 5)
        #expect(ring.maximum(newest: 3) == 20)
        // Harmonic mean of 18, 19, 20.
        let expected = 3 / (1 / 18.0 + 1 / 19.0 + 1 / 20.0)
        #expect(abs(ring.harmonicMean(newest: 3)! - expected) < 1e-12)
    }

    @Test func stateIsSmallAndFixedSize() {
        // Per-peer state lives inline: no arrays that could grow per request.
        #expect(MemoryLayout<PathEstimator>.size < 1024)
        #expect(MemoryLayout<RecentSamples>.size == 16 * 8 + 16)
    }

    @Test func subtractsTheBaseRoundTripFromPayloadRate() {
        var path = PathEstimator()
        path.record(.transport(TransportSample(
            deliveryRateBytesPerSecond: 250_000, deliveryRateAppLimited: false, rttMicroseconds: 120_000,
            minRTTMicroseconds: 100_000, congestionWindowSegments: 20, maximumSegmentBytes: 1448,
            totalRetransmits: 3)))
        #expect(path.baseRTTSeconds == 0.1)
        #expect(path.transportRateKbps.newest == 2000)
        #expect(path.congestionWindowBytes == 28_960)
        // 125 kB in 0.6 s: 1667 kbit/s as a player sees it, 2000 kbit/s once flowing.
        path.record(.delivered(ChunkDelivery(renditionIndex: 0, bytes: 125_000, durationSeconds: 0.6,
                                             mediaDurationSeconds: 1)))
        #expect(abs(path.deliveryThroughputKbps.newest! - 1666.667) < 0.01)
        #expect(abs(path.payloadRateKbps.newest! - 2000) < 1e-9)
        #expect(abs(path.predictedDeliverySeconds(bytes: 250_000, payloadRateKbps: 2000) - 1.1) < 1e-12)
    }

    @Test func appLimitedRatesAndRetransmitsAreTracked() {
        var path = PathEstimator()
        path.record(.transport(TransportSample(deliveryRateKbps: 900, deliveryRateAppLimited: true, rttSeconds: 0.05,
                                               minRTTSeconds: 0.04, congestionWindowBytes: 0, totalRetransmits: 10)))
        path.record(.transport(TransportSample(deliveryRateKbps: 5000, deliveryRateAppLimited: false, rttSeconds: 0.05,
                                               minRTTSeconds: 0.05, congestionWindowBytes: 0, totalRetransmits: 14)))
        #expect(path.transportRateKbps.count == 1 && path.transportRateKbps.newest == 5000)
        #expect(path.recentRetransmits == 4)
        #expect(path.minRTTSeconds == 0.04)
    }

    @Test func fallsBackToClientDataBeforeAnyDelivery() throws {
        var path = PathEstimator()
        #expect(path.harmonicMeanThroughputKbps(newest: 5) == nil)
        path.record(.clientData(try CMCDReport.parse(fields: "bl=12300,mtp=4200,bs")))
        #expect(path.clientBufferSeconds == 12.3)
        #expect(path.clientReportedStall)
        #expect(path.harmonicMeanThroughputKbps(newest: 5) == 4200)
    }

    @Test func mathHelpersMatchKnownValues() {
        #expect(abs(naturalLog(1) - 0) < 1e-15)
        #expect(abs(naturalLog(4300.0 / 300.0) - 2.662587827025453) < 1e-12)
        #expect(abs(naturalExp(1) - 2.718281828459045) < 1e-12)
        #expect(abs(naturalExp(naturalLog(1234.5)) - 1234.5) < 1e-9)
    }

    @Test func negativeExpTracksTheAccurateOneAndClampsItsArgument() {
        for i in 0...800 {
            let x = Double(i) / 100
            let accurate = naturalExp(-x)
            #expect(abs(negativeExp(x) / accurate - 1) < 1e-6, "x = \(x)")
        }
        #expect(negativeExp(0) == 1)
        #expect(negativeExp(-3) == 1)
        #expect(negativeExp(50) == negativeExp(8))
    }
}
