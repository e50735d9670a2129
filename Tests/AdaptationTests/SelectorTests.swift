import Testing
@testable import Adaptation

/// Synthetic paths: each segment is (seconds, Mbit/s), sampled every second.
func syntheticTrace(_ name: String, _ segments: [(seconds: Int, mbps: Double)]) throws -> NetworkTrace {
    var times = [0.0]
    var rates = [0.0]
    for segment in segments {
        for _ in 0..<segment.seconds {
            times.append(times.last! + 1)
            rates.append(segment.mbps)
        }
    }
    return try NetworkTrace(name: name, timesSeconds: times, throughputMbps: rates)
}

/// The standard ladder and 48 chunks of 4 s, each exactly its nominal size.
func nominalVideo() throws -> SimulatedVideo {
    let ladder = BitrateLadder.standard
    let rows = ladder.bitratesKbps.map { kbps in [Double](repeating: kbps * 1000 / 8 * 4, count: 48) }
    let table = try #require(ChunkSizeTable(ladder: ladder, chunkDurationSeconds: 4, bytesByRendition: rows))
    return try #require(SimulatedVideo(chunkSizes: table, chunkCount: 48))
}

func play(_ kind: SelectorKind, _ trace: NetworkTrace) throws -> TraceResult {
    TraceSimulator().run(kind, traces: [trace], video: try nominalVideo())[0]
}

/// Rate-driven selectors (BOLA reads only the buffer and is checked separately).
let rateDriven: [SelectorKind] = [.throughput, .robustMPC, .mutstream]

@Suite struct SelectorTests {
    @Test(arguments: rateDriven)
    func constantPathSettlesAtCapacity(kind: SelectorKind) throws {
        // 3 Mbit/s, 2.85 of payload: 1850 kbit/s fits with room, 2850 just fits with a buffer,
        // 4300 does not.
        let result = try play(kind, try syntheticTrace("constant", [(400, 3)]))
        let middle = result.chunks[12..<40]
        #expect(Set(middle.map(\.renditionIndex)).count == 1, "flapping: \(middle.map(\.renditionIndex))")
        #expect(middle.allSatisfy { $0.bitrateKbps >= 1850 && $0.bitrateKbps <= 2850 })
        if kind != .robustMPC {
            // RobustMPC rides 2850 until its buffer is gone, then stalls 80 ms a chunk.
            #expect(result.chunks.dropFirst().allSatisfy { $0.rebufferSeconds == 0 })
        }
    }

    @Test(arguments: rateDriven)
    func stepDownFollowsTheDrop(kind: SelectorKind) throws {
        // 4 Mbit/s for 80 s, then 0.7 (0.665 of payload: only 300 kbit/s is sustainable).
        let result = try play(kind, try syntheticTrace("down", [(80, 4), (600, 0.7)]))
        // Chunks 32-37 are well after the drop and before the end-of-video spend-down.
        let after = result.chunks[32..<38]
        #expect(after.allSatisfy { $0.renditionIndex <= 1 }, "\(after.map(\.renditionIndex))")
        #expect(result.chunks[26...].allSatisfy { $0.rebufferSeconds == 0 })
    }

    @Test(arguments: rateDriven)
    func stepUpClimbsTheLadder(kind: SelectorKind) throws {
        // 0.7 Mbit/s for 60 s, then 6 (5.7 of payload: the top rendition fits).
        let result = try play(kind, try syntheticTrace("up", [(60, 0.7), (600, 6)]))
        let last = result.chunks.suffix(10)
        #expect(last.allSatisfy { $0.renditionIndex == 5 }, "\(last.map(\.renditionIndex))")
    }

    @Test func mutstreamRidesOutOscillationWithLessFlapping() throws {
        // 1 and 3 Mbit/s alternating every 4 s: the mean is what matters to a 4 s chunk.
        var segments: [(seconds: Int, mbps: Double)] = []
        for _ in 0..<40 { segments += [(4, 1), (4, 3)] }
        let trace = try syntheticTrace("oscillating", segments)
        let mutstream = try play(.mutstream, trace)
        let rule = try play(.throughput, trace)
        #expect(mutstream.chunks.dropFirst().allSatisfy { $0.rebufferSeconds == 0 })
        #expect(mutstream.switchesPerChunk <= rule.switchesPerChunk / 2,
                "\(mutstream.switchesPerChunk) vs \(rule.switchesPerChunk)")
        #expect(mutstream.meanQoE > rule.meanQoE)
        #expect(mutstream.meanBitrateKbps >= 1700)
    }

    @Test func outageCostsMutstreamLessThanRobustMPCAndBothRecover() throws {
        // 3 Mbit/s with a 12 s outage in the middle, which starts while a 2850 kbit/s chunk is
        // on its way: the controller holds about 11 s of buffer there, so the stall is what is left
        // of the outage and that chunk's download.
        let trace = try syntheticTrace("outage", [(90, 3), (12, 0), (400, 3)])
        let mutstream = try play(.mutstream, trace)
        let mpc = try play(.robustMPC, trace)
        #expect(mutstream.rebufferSeconds < 6, "stalled \(mutstream.rebufferSeconds) s")
        #expect(mutstream.rebufferSeconds < mpc.rebufferSeconds)
        #expect(mutstream.meanQoE > mpc.meanQoE)
        for result in [mutstream, mpc] {
            #expect(result.chunks.suffix(5).allSatisfy { $0.bitrateKbps >= 1850 })
        }
    }

    @Test func mutstreamStallsLessThanRobustMPCAfterADrop() throws {
        // A deep drop with no warning: Mutstream's TCP_INFO-aware forecast reacts a chunk sooner.
        let trace = try syntheticTrace("cliff", [(100, 5), (600, 0.5)])
        let mutstream = try play(.mutstream, trace)
        let mpc = try play(.robustMPC, trace)
        #expect(mutstream.rebufferSeconds <= mpc.rebufferSeconds)
        #expect(mutstream.meanQoE >= mpc.meanQoE)
    }

    @Test func bolaFillsTheBufferThenClimbs() throws {
        let result = try play(.bola, try syntheticTrace("constant", [(400, 3)]))
        #expect(result.chunks.dropFirst(2).allSatisfy { $0.rebufferSeconds == 0 })
        #expect(result.chunks[1].renditionIndex == 0, "BOLA starts low on an empty buffer")
        #expect(result.chunks.suffix(10).allSatisfy { $0.bitrateKbps >= 1850 })
    }

    @Test func selectorsStartFromTheLastRenditionWithNoHistory() throws {
        let context = DecisionContext(
            ladder: .standard, chunkSizes: ChunkSizeTable(nominal: .standard, chunkDurationSeconds: 4),
            nextChunkIndex: 0, chunksRemaining: nil, bufferSeconds: 0, bufferCapacitySeconds: 30,
            lastRenditionIndex: 2)
        for kind in rateDriven {
            var selector = kind.makeSelector()
            #expect(selector.decide(context) == 2, "\(kind)")
        }
    }

    @Test func liveStreamDecisionsUseNominalSizesAndClientData() throws {
        // How the HTTP layer drives a selector: TCP_INFO and CMCD arrive with each request.
        var selector = SelectorKind.mutstream.makeSelector()
        for _ in 0..<6 {
            selector.observe(.transport(TransportSample(
                deliveryRateBytesPerSecond: 400_000, deliveryRateAppLimited: false, rttMicroseconds: 30_000,
                minRTTMicroseconds: 25_000, congestionWindowSegments: 40, maximumSegmentBytes: 1448,
                totalRetransmits: 0)))
            selector.observe(.clientData(try CMCDReport.parse(fields: "bl=20000,mtp=3100,br=1850")))
            selector.observe(.delivered(ChunkDelivery(renditionIndex: 3, bytes: 231_250, durationSeconds: 0.6,
                                                      mediaDurationSeconds: 1)))
        }
        var context = DecisionContext(
            ladder: .standard, chunkSizes: ChunkSizeTable(nominal: .standard, chunkDurationSeconds: 1),
            nextChunkIndex: 1000, chunksRemaining: nil, bufferSeconds: 20, bufferCapacitySeconds: 30,
            lastRenditionIndex: 3)
        // About 3.2 Mbit/s of payload. Live, with no end in sight, the controller keeps 1850: 2850
        // would drain the buffer whenever the path dips 10 %, and 4300 drains it for sure.
        #expect(selector.decide(context) == 3)
        // With the end 8 chunks away the 20 s buffer is worth spending.
        context.chunksRemaining = 8
        #expect(selector.decide(context) >= 4)
    }
}
