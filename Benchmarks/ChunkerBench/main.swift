// ChunkerBench: the chunker against memcpy of the same buffer, measured in the same run
// (rounds interleaved, medians), on 64 MiB inputs made from real x264 output.
//
//   ChunkerBench [--media DIR] [--rounds N]        throughput ratios (the default)
//   ChunkerBench probe KIND FILE BYTES [scan]      one pass for valgrind (mallocs, callgrind)
//
// KIND is cmaf, ts or annexb. The media is made once by the ffmpeg CLI into DIR.
import Chunker
import Foundation

let inputBytes = 64 << 20
let pieceBytes = 256 << 10

struct Kind {
    let name: String
    let file: String
    let format: ChunkFormat
}

let kinds = [
    Kind(name: "cmaf", file: "bench.mp4", format: .cmaf),
    Kind(name: "ts", file: "bench.ts", format: .ts),
    Kind(name: "annexb", file: "bench.h264", format: .annexBH264),
]

func run(_ tool: String, _ args: [String]) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [tool] + args
    try! p.run()
    p.waitUntilExit()
    precondition(p.terminationStatus == 0, "\(tool) \(args.joined(separator: " ")) failed")
}

/// Encodes ~80 MB of 720p H.264 once, then remuxes it to TS and fragmented MP4.
func makeMedia(in dir: String) {
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let h264 = dir + "/bench.h264"
    let common = ["-hide_banner", "-loglevel", "error", "-y"]
    if !FileManager.default.fileExists(atPath: h264) {
        FileHandle.standardError.write("making benchmark media in \(dir) (once)…\n".data(using: .utf8)!)
        run("ffmpeg", common + ["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-t", "40",
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "16M", "-g", "60", "-f", "h264", h264])
    }
    if !FileManager.default.fileExists(atPath: dir + "/bench.ts") {
        run("ffmpeg", common + ["-r", "30", "-i", h264, "-c", "copy", "-f", "mpegts", dir + "/bench.ts"])
    }
    if !FileManager.default.fileExists(atPath: dir + "/bench.mp4") {
        run("ffmpeg", common + ["-r", "30", "-i", h264, "-c", "copy", "-movflags",
            "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", dir + "/bench.mp4"])
    }
}

/// The first `bytes` of a file, in one page-aligned buffer the benchmark owns.
func load(_ path: String, bytes: Int) -> UnsafeMutableRawBufferPointer {
    let data = FileManager.default.contents(atPath: path)!
    precondition(data.count >= bytes, "\(path) has \(data.count) bytes, need \(bytes)")
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 4096)
    data.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<bytes])) }
    return buffer
}

@inline(never)
func chunkAll(_ buffer: UnsafeRawBufferPointer, format: ChunkFormat, checksums: Bool) -> (chunks: Int, digest: UInt64) {
    var chunker = AnyChunker(format: format, computesChecksums: checksums)
    var count = 0
    var digest: UInt64 = 0
    var i = 0
    while i < buffer.count {
        let n = min(pieceBytes, buffer.count - i)
        chunker.feed(UnsafeRawBufferPointer(rebasing: buffer[i..<(i + n)])) { count += 1; digest ^= $0.checksum }
        i += n
    }
    chunker.finish { count += 1; digest ^= $0.checksum }
    return (count, digest)
}

/// The floor under any scan of the buffer: every byte loaded (64-byte SIMD loads, two
/// independent accumulators) and OR-ed, nothing else. A scan as fast as this is bound by
/// memory bandwidth, not by its instructions.
@inline(never)
func loadAll(_ buffer: UnsafeRawBufferPointer) -> Int {
    let p = buffer.baseAddress!
    var a = SIMD8<UInt64>()
    var b = SIMD8<UInt64>()
    var i = 0
    while i + 128 <= buffer.count {
        a |= (p + i).loadUnaligned(as: SIMD8<UInt64>.self)
        b |= (p + i + 64).loadUnaligned(as: SIMD8<UInt64>.self)
        i += 128
    }
    return Int(truncatingIfNeeded: (a | b).wrappedSum())
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

var args = Array(CommandLine.arguments.dropFirst())
var mediaDir = "results/chunker-media"
var rounds = 11
if args.first == "probe" {
    // One pass over BYTES of FILE, for valgrind: `scan` turns checksums off.
    let kind = kinds.first { $0.name == args[1] }!
    let buffer = load(args[2], bytes: Int(args[3])!)
    let result = args.count > 4 && args[4] == "load" ? (0, 0)
        : chunkAll(UnsafeRawBufferPointer(buffer), format: kind.format, checksums: !(args.count > 4 && args[4] == "scan"))
    print("chunks \(result.0)")
    exit(0)
}
while let flag = args.first {
    args.removeFirst()
    if flag == "--media" { mediaDir = args.removeFirst() }
    if flag == "--rounds" { rounds = Int(args.removeFirst())! }
}
makeMedia(in: mediaDir)

let buffers = kinds.map { load(mediaDir + "/" + $0.file, bytes: inputBytes) }
let destination = UnsafeMutableRawBufferPointer.allocate(byteCount: inputBytes, alignment: 4096)
destination.initializeMemory(as: UInt8.self, repeating: 1)

// Contenders, each run once per round in a fixed interleaved order.
var names: [String] = ["memcpy", "xxh3 (checksum alone)"]
var bodies: [() -> Int] = [
    { destination.copyMemory(from: UnsafeRawBufferPointer(buffers[1])); return Int(destination[12345]) },
    { Int(truncatingIfNeeded: XXH3.hash64(UnsafeRawBufferPointer(buffers[0]))) },
]
for (k, kind) in kinds.enumerated() {
    names.append("\(kind.name) scan+checksum")
    bodies.append { chunkAll(UnsafeRawBufferPointer(buffers[k]), format: kind.format, checksums: true).chunks }
}
names.append("load+OR alone (the bound)")
bodies.append { loadAll(UnsafeRawBufferPointer(buffers[2])) }
names.append("annexb scan alone")
bodies.append { chunkAll(UnsafeRawBufferPointer(buffers[2]), format: .annexBH264, checksums: false).chunks }

var times = Array(repeating: [Double](), count: bodies.count)
var sink = 0
for _ in 0..<2 { for body in bodies { sink &+= body() } }  // warm-up
for _ in 0..<rounds {
    for (i, body) in bodies.enumerated() {
        let t0 = now()
        sink &+= body()
        times[i].append(Double(now() - t0))
    }
}
let reference = median(times[0])
print("ChunkerBench: \(inputBytes >> 20) MiB per input, \(pieceBytes >> 10) KiB pieces, \(rounds) interleaved rounds, medians")
print("contender                    ratio-to-memcpy   GB/s")
for (i, name) in names.enumerated() {
    let m = median(times[i])
    let ratio = reference / m
    let gbps = Double(inputBytes) / m
    print(name.padding(toLength: 28, withPad: " ", startingAt: 0) + " " + String(format: "%8.2fx      %6.2f", ratio, gbps))
}
for (k, kind) in kinds.enumerated() {
    let r = chunkAll(UnsafeRawBufferPointer(buffers[k]), format: kind.format, checksums: true)
    print("\(kind.name): \(r.chunks) chunks in \(inputBytes >> 20) MiB")
}
if sink == 42 { print("") }
