import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `mutstream` is a light launcher that runs `chunk` itself and replaces itself (execv, same
/// PID) with `mutstream-media` for the commands that need libav. These tests hold it to that:
/// one command tree for the user, no libav in the launcher, and a `serve` that systemd's
/// notify protocol still sees as the process it started.
@Suite("mutstream launcher: light commands in-process, the rest in mutstream-media", .serialized)
struct LauncherTests {
    @Test("--help lists every subcommand, and serve --help is serve's")
    func help() async throws {
        let workspace = try Workspace("launcher-help")
        defer { workspace.remove() }
        let root = try await CompletedRun.run(try Paths.mutstream(), ["--help"], label: "help", in: workspace)
        #expect(root.termination == .success, "mutstream --help: \(root.termination)\n\(root.standardError)")
        for command in ["serve", "transcode", "chunk", "profiles", "simulate", "mesh"] {
            #expect(root.standardOutput.contains("\n  \(command) "), "mutstream --help does not list \(command):\n\(root.standardOutput)")
        }
        let serve = try await CompletedRun.run(try Paths.mutstream(), ["serve", "--help"], label: "serve-help", in: workspace)
        #expect(serve.termination == .success, "mutstream serve --help: \(serve.termination)\n\(serve.standardError)")
        #expect(serve.standardOutput.contains("USAGE: mutstream serve"), "serve --help:\n\(serve.standardOutput)")
        #expect(serve.standardOutput.contains("--config"), "serve --help:\n\(serve.standardOutput)")
        let chunk = try await CompletedRun.run(try Paths.mutstream(), ["chunk", "--help"], label: "chunk-help", in: workspace)
        #expect(chunk.termination == .success)
        #expect(chunk.standardOutput.contains("USAGE: mutstream chunk"), "chunk --help:\n\(chunk.standardOutput)")
    }

    @Test("the launcher links no libav and no Foundation; mutstream-media does link libav")
    func launcherLibraries() async throws {
        let workspace = try Workspace("launcher-ldd")
        defer { workspace.remove() }
        let launcher = try Paths.mutstream()
        let media = launcher.deletingLastPathComponent().appendingPathComponent("mutstream-media")
        let light = try await CompletedRun.run(try Paths.tool("ldd"), [launcher.path], label: "ldd-launcher", in: workspace)
        let heavy = try await CompletedRun.run(try Paths.tool("ldd"), [media.path], label: "ldd-media", in: workspace)
        // The check itself must be able to see libav, or the first expectation proves nothing.
        #expect(heavy.standardOutput.contains("libavcodec"), "ldd mutstream-media:\n\(heavy.standardOutput)\(heavy.standardError)")
        for library in ["libavcodec", "libavformat", "libavutil", "libFoundation.so", "libFoundationInternationalization"] {
            #expect(!light.standardOutput.contains(library), "the launcher links \(library):\n\(light.standardOutput)")
        }
    }

    @Test("serve through the launcher keeps its PID: sd_notify READY=1 comes from the process started")
    func serveKeepsPID() async throws {
        let workspace = try Workspace("launcher-notify")
        defer { workspace.remove() }
        let socket = try NotifySocket(in: workspace)
        try EdgeProfiles.write("small", in: workspace)
        let config = NodeConfigFile(port: try Ports.free(.tcp), profilesDirectory: workspace.url,
                                    streams: [.init(name: "demo", source: "demo", profile: "small")])
        let node = try await ServeNode.start(config, in: workspace, environment: ["NOTIFY_SOCKET": socket.path])
        defer { node.killIfRunning() }
        var ready: (text: String, pid: pid_t)?
        for _ in 0..<20 {
            guard let message = socket.receive(timeoutSeconds: 10) else { break }
            if message.text.contains("READY=1") { ready = message; break }
        }
        let message = try #require(ready, "no READY=1 on NOTIFY_SOCKET; stderr:\n\(node.log)")
        #expect(message.pid == node.child.pid, "READY=1 from PID \(message.pid), started \(node.child.pid)")
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(node.child.pid)/exe")
        #expect(executable.hasSuffix("/mutstream-media"), "the serving process runs \(executable)")
    }
}
