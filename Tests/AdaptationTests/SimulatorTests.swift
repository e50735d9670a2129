import Testing
@testable import Adaptation

/// Plays a fixed list of renditions (the first chunk's is the model's, not the script's).
struct ScriptedSelector: RenditionSelector {
    var script: [Int]
    var deliveries: [ChunkDelivery] = []
    var transports: [TransportSample] = []
    var buffers: [Double] = []
    var name: String { "scripted" }
    mutating func observe(_ event: PathEvent) {
        switch event {
        case .delivered(let d): deliveries.append(d)
        case .transport(let t): transports.append(t)
        case .clientData: break
        }
    }
    mutating func decide(_ context: DecisionContext) -> Int {
        buffers.append(context.bufferSeconds)
        return script[context.nextChunkIndex]
    }
}

@Suite struct SimulatorTests {
    /// Two renditions (1000 and 2000 kbit/s), three 1-second chunks, a 1.5 s buffer cap so the
    /// drain sleep happens, over a two-sample trace that loops.
    func tinySetup() throws -> (NetworkTrace, SimulatedVideo, TraceSimulator) {
        let trace = try NetworkTrace.parse(name: "tiny", text: "0\t0\r\n1\t4\r\n2\t2\r\n")
        let ladder = try #require(BitrateLadder(bitratesKbps: [1000, 2000]))
        let table = try #require(ChunkSizeTable(ladder: ladder, chunkDurationSeconds: 1, bytesByRendition: [
            [95_000, 95_000, 95_000],
            [190_000, 190_000, 475_000],
        ]))
        let video = try #require(SimulatedVideo(chunkSizes: table, chunkCount: 3))
        var model = SimulationModel()
        model.bufferCapacitySeconds = 1.5
        return (trace, video, TraceSimulator(model: model))
    }

    @Test func tinyTraceMatchesHandComputedQoE() throws {
        let (trace, video, simulator) = try tinySetup()
        var selector = ScriptedSelector(script: [1, 0, 1])
        let result = simulator.run(&selector, trace: trace, video: video)
        // Payload rates: 0.95 × 4 Mbit/s = 475 000 B/s on (0, 1], 0.95 × 2 = 237 500 B/s on (1, 2].
        // Chunk 0, rendition 1 (the model's first), 190 000 B: 0.4 s at 475 000 B/s, clock 0.4;
        //   download 0.4 + 0.08 = 0.48 s, all rebuffering (empty buffer); buffer 1.0.
        //   QoE = 2 − 4.3 × 0.48 − 0 = −0.064.
        // Chunk 1, rendition 0, 95 000 B: 0.2 s, clock 0.6; download 0.28 s < 1.0, no stall;
        //   buffer 1.0 − 0.28 + 1 = 1.72 > 1.5: sleep ceil(0.22 / 0.5) × 0.5 = 0.5 s, buffer 1.22,
        //   clock 0.6 → 1.1. QoE = 1 − 0 − |1 − 2| = 0.
        // Chunk 2, rendition 1, 475 000 B: 0.9 s × 237 500 = 213 750 B to t = 2, the trace loops
        //   to t = 0, then 261 250 B at 475 000 B/s = 0.55 s; transfer 1.45 s, download 1.53 s,
        //   stall 1.53 − 1.22 = 0.31 s, buffer 1.0. QoE = 2 − 4.3 × 0.31 − |2 − 1| = −0.333.
        // Scored (first chunk excluded): mean QoE (0 − 0.333) / 2 = −0.1665, mean bitrate 1500,
        //   rebuffer ratio 0.31 / (2 + 0.31), 2 switches over 2 chunks.
        let c = result.chunks
        #expect(c.map(\.renditionIndex) == [1, 0, 1])
        #expect(abs(c[0].downloadSeconds - 0.48) < 1e-9 && abs(c[0].rebufferSeconds - 0.48) < 1e-9)
        #expect(abs(c[0].qoe - -0.064) < 1e-9)
        #expect(abs(c[1].downloadSeconds - 0.28) < 1e-9 && c[1].rebufferSeconds == 0)
        #expect(c[1].sleepSeconds == 0.5 && abs(c[1].bufferSecondsAfter - 1.22) < 1e-9)
        #expect(abs(c[1].qoe - 0) < 1e-9)
        #expect(abs(c[2].downloadSeconds - 1.53) < 1e-9 && abs(c[2].rebufferSeconds - 0.31) < 1e-9)
        #expect(abs(c[2].qoe - -0.333) < 1e-9)
        #expect(abs(result.startupSeconds - 0.48) < 1e-9)
        #expect(abs(result.meanQoE - -0.1665) < 1e-9)
        #expect(result.meanBitrateKbps == 1500)
        #expect(abs(result.rebufferRatio - 0.31 / 2.31) < 1e-9)
        #expect(result.switchesPerChunk == 1)
        // The selector was asked with the buffer after each previous chunk, and told what a
        // server sees: TCP_INFO with the model's RTT, and each delivery.
        #expect(abs(selector.buffers[0] - 1.0) < 1e-9 && abs(selector.buffers[1] - 1.22) < 1e-9)
        #expect(selector.deliveries.map(\.bytes) == [190_000, 95_000, 475_000])
        #expect(selector.transports.allSatisfy { $0.minRTTSeconds == 0.08 })
        // The last 80 ms of chunk 2 flowed at 475 000 B/s.
        #expect(abs(selector.transports[2].deliveryRateKbps - 3800) < 1e-6)
    }

    @Test func isDeterministic() throws {
        let (trace, video, simulator) = try tinySetup()
        for kind in SelectorKind.allCases {
            let a = simulator.run(kind, traces: [trace], video: video)[0]
            let b = simulator.run(kind, traces: [trace], video: video)[0]
            #expect(a.chunks == b.chunks, "\(kind)")
        }
    }

    @Test func summaryAveragesPerTraceThenOverTraces() throws {
        let (trace, video, simulator) = try tinySetup()
        var s1 = ScriptedSelector(script: [1, 0, 1])
        var s2 = ScriptedSelector(script: [1, 1, 1])
        let r1 = simulator.run(&s1, trace: trace, video: video)
        let r2 = simulator.run(&s2, trace: trace, video: video)
        let summary = QoESummary(algorithm: "x", results: [r1, r2])
        #expect(summary.traceCount == 2)
        #expect(abs(summary.meanQoE - (r1.meanQoE + r2.meanQoE) / 2) < 1e-12)
        #expect(abs(summary.switchesPerChunk - 0.5) < 1e-12)
    }

    @Test func traceParsingNamesTheBadLine() {
        #expect(throws: TraceError.malformedLine(trace: "t", line: 3, content: "2.0 fast")) {
            try NetworkTrace.parse(name: "t", text: "0 1\n1 2\n2.0 fast\n")
        }
        #expect(throws: TraceError.timeGoesBackwards(trace: "t", line: 2)) {
            try NetworkTrace.parse(name: "t", text: "5 1\n4 2\n")
        }
        #expect(throws: TraceError.invalidThroughput(trace: "t", line: 1)) {
            try NetworkTrace.parse(name: "t", text: "0 -1\n1 2\n")
        }
        #expect(throws: TraceError.carriesNothing(trace: "t")) {
            try NetworkTrace.parse(name: "t", text: "0 5\n1 0\n2 0\n")
        }
        #expect(throws: TraceError.tooFewSamples(trace: "t")) { try NetworkTrace.parse(name: "t", text: "0 5\n") }
        #expect(throws: TraceError.malformedChunkSize(table: "v", line: 2, content: "12x")) {
            try SimulatedVideo.parseSizeTable(name: "v", text: "100\n12x\n")
        }
        #expect(String(describing: TraceError.malformedLine(trace: "a/b", line: 7, content: "x"))
                == "a/b:7: expected '<seconds> <Mbps>', found 'x'")
    }

    @Test func tracesNotStartingAtZeroReplayFromTheirFirstSample() throws {
        // Same rates, shifted by 100 s: identical sessions.
        let a = try NetworkTrace.parse(name: "a", text: "0 0\n1 4\n2 2\n")
        let b = try NetworkTrace.parse(name: "b", text: "100 0\n101 4\n102 2\n")
        let (_, video, simulator) = try tinySetup()
        let ra = simulator.run(.mutstream, traces: [a], video: video)[0]
        let rb = simulator.run(.mutstream, traces: [b], video: video)[0]
        #expect(ra.chunks.count == 3)
        for (x, y) in zip(ra.chunks, rb.chunks) {
            #expect(x.renditionIndex == y.renditionIndex && abs(x.downloadSeconds - y.downloadSeconds) < 1e-9)
        }
    }
}
