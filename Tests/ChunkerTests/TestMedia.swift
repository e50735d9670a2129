import Chunker
import Foundation
import Testing

/// Real encoder output for the tests, made once per run by the ffmpeg CLI (4 s of test
/// pattern, a keyframe every 25 frames), plus helpers to feed it in random pieces.
enum TestMedia {
    static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mutstream-chunker-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// Keyframes in each generated stream (4 s at 25 fps, GOP 25).
    static let keyframeCount = 4

    static let cmaf = make("a.mp4", ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-b:a", "64k",
        "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4"], audio: true)
    /// Fragments every 5 frames, so most chunks start without a keyframe.
    static let cmafPartial = make("p.mp4", ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
        "-movflags", "+empty_moov+default_base_moof+frag_custom", "-frag_duration", "200000", "-f", "mp4"], audio: false)
    static let ts = make("a.ts", ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "mp2", "-f", "mpegts"], audio: true)
    static let h264 = make("a.h264", ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "h264"], audio: false)
    static let hevc = make("a.hevc", ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=25:min-keyint=25:log-level=0", "-f", "hevc"], audio: false)

    private static func make(_ name: String, _ args: [String], audio: Bool) -> [UInt8] {
        let out = directory.appendingPathComponent(name)
        var all = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"]
        if audio { all += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"] }
        all += ["-t", "4"] + args + [out.path]
        let status = run("ffmpeg", all)
        precondition(status == 0, "ffmpeg failed for \(name)")
        return [UInt8](try! Data(contentsOf: out))
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String], stdout: Pipe? = nil) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + args
        if let stdout { process.standardOutput = stdout }
        try! process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `xxhsum -H3` of `bytes`.
    static func xxhsum(_ bytes: [UInt8]) -> UInt64 {
        let file = directory.appendingPathComponent("xxh-\(UUID().uuidString).bin")
        try! Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let pipe = Pipe()
        run("xxhsum", ["-H3", file.path], stdout: pipe)
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // "XXH3 (path) = hex" (0.8.1) or "XXH3_hex  path" (newer).
        let hex = text.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            ?? text.split(separator: " ").first.map { String($0.split(separator: "_").last!) } ?? ""
        return UInt64(hex.split(separator: " ").first.map(String.init) ?? hex, radix: 16)!
    }
}

/// Feeds `bytes` in pieces whose sizes come from `sizes` (cycled), collecting the chunks.
func chunk<C: StreamChunker>(_ bytes: [UInt8], with chunker: C, pieces sizes: [Int]) -> (chunks: [Chunk], end: ChunkStreamEnd) {
    var chunker = chunker
    var out: [Chunk] = []
    bytes.withUnsafeBytes { raw in
        var i = 0
        var k = 0
        while i < raw.count {
            let n = min(raw.count - i, max(1, sizes[k % sizes.count]))
            chunker.feed(UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)])) { out.append($0) }
            i += n
            k += 1
        }
    }
    let end = chunker.finish { out.append($0) }
    return (out, end)
}

/// A deterministic generator for reproducible random tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomSizes(_ rng: inout SplitMix64, max: Int, count: Int = 64) -> [Int] {
    (0..<count).map { _ in Int.random(in: 1...max, using: &rng) }
}
