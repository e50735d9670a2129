import Foundation
import Testing

/// Issue 3, the edge service end to end: the real `mutstream serve` on a free loopback port
/// with a node configuration in a temporary folder, fed by the real ffmpeg CLI over SRT, RTMP
/// and UDP, read back with ffmpeg/ffprobe, a raw HTTP client, the Python m3u8 parser,
/// promtool, systemd-analyze and nginx. Serialized: every test runs encoders in real time on
/// two shared cores.
///
/// The nested suites live in their own files (Edge*Tests.swift), as extensions of this type.
@Suite("mutstream serve: the edge service over real sockets", .serialized)
struct EdgeServiceTests {
    /// A workspace with the light profile `small.yaml` and a node on a free port serving
    /// `streams` (default: one `demo` stream).
    static func startNode(_ label: String, streams: [NodeConfigFile.Stream]? = nil,
                          configure: (inout NodeConfigFile) -> Void = { _ in },
                          prepare: (Workspace) throws -> Void = { _ in }) async throws -> (Workspace, ServeNode) {
        let workspace = try Workspace(label)
        do {
            try EdgeProfiles.write("small", in: workspace)
            try prepare(workspace)
            var config = NodeConfigFile(port: try Ports.free(.tcp), profilesDirectory: workspace.url,
                                        streams: streams ?? [.init(name: "demo", source: "demo", profile: "small")])
            configure(&config)
            return (workspace, try await ServeNode.start(config, in: workspace))
        } catch {
            workspace.remove()
            throw error
        }
    }
}

/// ffmpeg as the player: reads `url` for `seconds` of output and discards it.
enum Player {
    struct Outcome {
        var run: CompletedRun
        /// Video frames ffmpeg decoded and passed on (its last `-progress` report).
        var frames: Int
    }

    static func play(_ url: String, seconds: Double, in workspace: Workspace, timeoutSeconds: Double = 40) async throws -> Outcome {
        let run = try await CompletedRun.run(
            try Paths.tool("ffmpeg"),
            ["-nostdin", "-v", "error", "-i", url, "-t", "\(seconds)", "-f", "null", "-progress", "pipe:1", "-"],
            label: "ffmpeg-play", in: workspace, timeoutSeconds: timeoutSeconds)
        let frames = run.standardOutput.split(separator: "\n").last { $0.hasPrefix("frame=") }
            .flatMap { Int($0.dropFirst("frame=".count)) } ?? 0
        return Outcome(run: run, frames: frames)
    }
}
