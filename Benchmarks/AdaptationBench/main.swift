// Adaptation benchmark: rendition-selector quality on the test traces in the trace-driven
// simulator, and the cost of one decision with 1,000 peers on one box.
//
// Quality is deterministic (no timing). Decision cost is measured per decision, interleaving
// Mutstream's controller with RobustMPC as the in-run reference (A B A B), and reported as
// percentiles and as a ratio of medians.
//
// Usage: AdaptationBench [TRACES_ROOT]   (default ../../shared/traces from Benchmarks/, or
// $MUTSTREAM_TRACES): TRACES_ROOT holds hsdpa/, fcc/ and video_sizes/.
import Adaptation
import Foundation

let environment = ProcessInfo.processInfo.environment
let root = CommandLine.arguments.dropFirst().first
    ?? environment["MUTSTREAM_TRACES"]
    ?? ["../../shared/traces", "../shared/traces"].first { FileManager.default.fileExists(atPath: $0 + "/hsdpa") }
    ?? "../../shared/traces"

func readText(_ path: String) -> String {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        fatalError("cannot read \(path) (pass the traces root as the first argument)")
    }
    return text
}

func loadTraces(_ directory: String) -> [NetworkTrace] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
        fatalError("no trace directory \(directory) (pass the traces root as the first argument)")
    }
    return names.filter { !$0.hasPrefix(".") }.sorted().map { name in
        do { return try NetworkTrace.parse(name: name, text: readText(directory + "/" + name)) } catch {
            fatalError("\(error)")
        }
    }
}

let video: SimulatedVideo = {
    let paths = (0..<6).map { "\(root)/video_sizes/video_size_\($0)" }
    do { return try SimulatedVideo.standard(sizeTableTexts: paths.map(readText), names: paths) } catch {
        fatalError("\(error)")
    }
}()

func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
func lpad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }

// MARK: quality

print("== quality: QoE_lin per chunk in the standard simulator (first chunk excluded) ==")
print("| set | algorithm | QoE_lin | mean bitrate kbps | rebuffer ratio | switches/chunk |")
print("|---|---|---:|---:|---:|---:|")
var verdicts: [String] = []
var allMet = true
for set in ["hsdpa", "fcc"] {
    let traces = loadTraces("\(root)/\(set)")
    var byKind: [SelectorKind: QoESummary] = [:]
    for kind in SelectorKind.allCases {
        let summary = QoESummary(algorithm: kind.rawValue, results: TraceSimulator().run(kind, traces: traces, video: video))
        byKind[kind] = summary
        print("| \(set) (\(traces.count)) | \(kind.rawValue) | \(f(summary.meanQoE, 3)) | \(f(summary.meanBitrateKbps, 0)) | "
              + "\(f(summary.rebufferRatio * 100, 2)) % | \(f(summary.switchesPerChunk, 3)) |")
    }
    let ours = byKind[.mutstream]!, mpc = byKind[.robustMPC]!
    let ratio = ours.meanQoE / mpc.meanQoE
    let met = ratio >= 1.10 && ours.rebufferRatio <= mpc.rebufferRatio
    allMet = allMet && met
    verdicts.append("\(set): mutstream / robustmpc QoE = \(f(ratio, 3))× (target ≥ 1.10), rebuffer "
        + "\(f(ours.rebufferRatio * 100, 2)) % vs \(f(mpc.rebufferRatio * 100, 2)) % (target ≤): \(met ? "met" : "NOT met")")
}
verdicts.forEach { print($0) }

// MARK: decision cost

print("\n== decision cost: 1,000 peers, one decision each per round, interleaved A B ==")
let peers = 1000
let rounds = Int(environment["ADAPTATION_BENCH_ROUNDS"] ?? "") ?? 30
let costTrace = loadTraces("\(root)/hsdpa")

// Each peer replays its own trace position: realistic histories, different contexts.
func makePeers(_ kind: SelectorKind) -> [any RenditionSelector] {
    (0..<peers).map { _ in kind.makeSelector() }
}

func sampleFor(peer: Int, round: Int) -> (ChunkDelivery, TransportSample, Double) {
    let trace = costTrace[peer % costTrace.count]
    let i = 1 + (peer * 7 + round) % (trace.throughputMbps.count - 1)
    let kbps = max(50, trace.throughputMbps[i] * 950)
    let rendition = (peer + round) % 6
    let bytes = video.chunkSizes.bytes(chunk: round % video.chunkCount, rendition: rendition)
    let seconds = 0.08 + bytes * 8 / 1000 / kbps
    let buffer = Double((peer * 13 + round * 5) % 40)
    return (ChunkDelivery(renditionIndex: rendition, bytes: bytes, durationSeconds: seconds, mediaDurationSeconds: 4),
            TransportSample(deliveryRateKbps: kbps, deliveryRateAppLimited: false, rttSeconds: 0.09,
                            minRTTSeconds: 0.08, congestionWindowBytes: kbps * 10, totalRetransmits: round),
            buffer)
}

func measure(_ selectors: inout [any RenditionSelector], round: Int, into samples: inout [Double]) -> Int {
    var checksum = 0
    let clock = ContinuousClock()
    for peer in 0..<peers {
        let (delivery, transport, buffer) = sampleFor(peer: peer, round: round)
        let next = (peer + round) % (video.chunkCount - 1) + 1
        let context = DecisionContext(
            ladder: video.ladder, chunkSizes: video.chunkSizes, nextChunkIndex: next,
            chunksRemaining: video.chunkCount - next, bufferSeconds: buffer, bufferCapacitySeconds: 60,
            lastRenditionIndex: delivery.renditionIndex)
        let start = clock.now
        selectors[peer].observe(.transport(transport))
        selectors[peer].observe(.delivered(delivery))
        checksum &+= selectors[peer].decide(context)
        let elapsed = start.duration(to: clock.now)
        samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
    }
    return checksum
}

var ours = makePeers(.mutstream)
var reference = makePeers(.robustMPC)
var oursMicros: [Double] = []
var referenceMicros: [Double] = []
var checksum = 0
// Warm-up: fill every peer's history.
var scratch: [Double] = []
for round in 0..<6 {
    checksum &+= measure(&ours, round: round, into: &scratch)
    checksum &+= measure(&reference, round: round, into: &scratch)
}
for round in 6..<(6 + rounds) {
    checksum &+= measure(&ours, round: round, into: &oursMicros)
    checksum &+= measure(&reference, round: round, into: &referenceMicros)
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    let sorted = xs.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

print("| selector | decisions | p50 µs | p99 µs | max µs |")
print("|---|---:|---:|---:|---:|")
for (name, xs) in [("mutstream", oursMicros), ("robustmpc (reference)", referenceMicros)] {
    print("| \(name) | \(xs.count) | \(f(percentile(xs, 0.5), 1)) | \(f(percentile(xs, 0.99), 1)) | \(f(xs.max()!, 1)) |")
}
let p99 = percentile(oursMicros, 0.99)
print("mutstream / robustmpc median cost: \(f(percentile(oursMicros, 0.5) / percentile(referenceMicros, 0.5), 2))×")
print("decision cost p99 \(f(p99, 1)) µs (target ≤ 100 µs): \(p99 <= 100 ? "met" : "NOT met")  [checksum \(checksum)]")
print("quality targets: \(allMet ? "met" : "NOT met")")
