import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `mutstream serve` with an RTMP stream and an `ingest_key`, pushed to by the real ffmpeg
/// CLI: only a push that publishes the key reaches the transcoder.
@Suite("RTMP key gate", .serialized)
struct RTMPKeyGateTests {
    static let key = "gate-key-0123"

    @Test("wrong key, wrong app and garbage are refused and logged; the right key plays; a second push is refused")
    func gate() async throws {
        let workspace = try Workspace("rtmp-gate")
        defer { workspace.remove() }
        let (profileURL, _) = try TestProfiles.small(.vp9, in: workspace)
        try Self.oneRung(profileURL)
        let httpPort = try Ports.free(.tcp)
        let rtmpPort = try Ports.free(.tcp)
        let config = workspace.file("node.yaml")
        try """
            node_id: gate-test
            listen: "127.0.0.1:\(httpPort)"
            profiles_dir: \(workspace.url.path)
            streams:
              - { name: cam, source: "rtmp://127.0.0.1:\(rtmpPort)/live", profile: \(profileURL.deletingPathExtension().lastPathComponent), ingest_key: \(Self.key) }

            """.write(to: config, atomically: true, encoding: .utf8)
        let serve = try ChildProcess(try Paths.mutstream(), ["serve", "--config", config.path], label: "serve", logDirectory: workspace.url)
        defer { serve.killIfRunning() }
        try await Self.waitFor("the serving line", seconds: 20) { serve.standardOutput.contains("mutstream serving on port \(httpPort)") }
        try await Ports.waitUntilListening(rtmpPort, .tcp)
        let media = SourceMedia(seconds: 3)

        // Wrong key, then wrong app: ffmpeg fails, the log names stream and address, nothing is produced.
        for (path, reason) in [("live/not-the-key", "wrong stream key"), ("other/\(Self.key)", "wrong app 'other'")] {
            let push = try media.push(to: "rtmp://127.0.0.1:\(rtmpPort)/\(path)", format: "flv", in: workspace)
            defer { push.killIfRunning() }
            let ended = try await push.waitForExit(timeoutSeconds: 30)
            #expect(ended != .success, "a push to \(path) must fail")
            let line = "RTMP push to stream cam refused: \(reason) from 127.0.0.1"
            try await Self.waitFor("'\(line)' in the log", seconds: 5) { serve.standardError.contains(line) }
        }
        // Garbage: closed by the gate, logged, the service stays up.
        try Self.sendGarbage(port: rtmpPort)
        try await Self.waitFor("the garbage refusal", seconds: 5) { serve.standardError.contains("refused: not RTMP (first byte 71)") }
        #expect(serve.isRunning)
        let notReady = try await Self.get(port: httpPort, "/readyz")
        #expect(notReady.status == 503 && notReady.body.contains("cam"), "after refused pushes: \(notReady)")

        // The right key: produces, and the master playlist plays.
        var long = media
        long.seconds = 20
        let push = try long.push(to: "rtmp://127.0.0.1:\(rtmpPort)/live/\(Self.key)", format: "flv", in: workspace)
        defer { push.killIfRunning() }
        try await Self.waitFor("/readyz ready", seconds: 30) { try await Self.get(port: httpPort, "/readyz").status == 200 }
        #expect(serve.standardError.contains("RTMP push to stream cam accepted from 127.0.0.1"))

        // A second publisher while the first is live is refused.
        let second = try media.push(to: "rtmp://127.0.0.1:\(rtmpPort)/live/\(Self.key)", format: "flv", in: workspace)
        defer { second.killIfRunning() }
        #expect(try await second.waitForExit(timeoutSeconds: 30) != .success)
        try await Self.waitFor("the busy refusal", seconds: 5) {
            serve.standardError.contains("RTMP push to stream cam refused: another push is already connected from 127.0.0.1")
        }

        let play = try await CompletedRun.run(
            try Paths.tool("ffmpeg"), ["-nostdin", "-v", "error", "-i", "http://127.0.0.1:\(httpPort)/live/cam/master.m3u8", "-t", "2", "-f", "null", "-"],
            label: "ffmpeg-play", in: workspace, timeoutSeconds: 40)
        #expect(play.termination == .success, "playing the master playlist: \(play.standardError)")
        #expect(push.isRunning, "the keyed push is still live")

        serve.send(SIGINT)
        let ended = try await serve.waitForExit(timeoutSeconds: 30)
        #expect(ended == .success, "serve after SIGINT: \(ended)\n\(serve.standardError.suffix(2000))")
        #expect(!Ports.isListening(rtmpPort, .tcp), "the gate's port is closed after shutdown")
    }

    /// Keeps only the first rung: one encoder is enough here.
    static func oneRung(_ url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var seenRung = false
        let kept = lines.filter { line in
            guard line.trimmingCharacters(in: .whitespaces).hasPrefix("- { name:") else { return true }
            defer { seenRung = true }
            return !seenRung
        }
        try kept.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    static func waitFor(_ what: String, seconds: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try await !condition() {
            guard Date() < deadline else { throw SetupError("no \(what) after \(seconds) s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func get(port: Int, _ path: String) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// An HTTP request to the RTMP port; returns once the gate has closed the connection.
    static func sendGarbage(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SetupError("connect to the gate: \(errno)") }
        let request = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 512)
        while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
    }
}
