import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real `ffmpeg` plays an `auto` playlist from a real `mutstream serve`.
@Suite("Auto playlist", .serialized)
struct AutoPlaylistTests {
    @Test("ffmpeg plays /live/demo/auto/index.m3u8 for 4 s without an error")
    func ffmpegPlaysTheAutoPlaylist() async throws {
        let workspace = try Workspace("auto")
        defer { workspace.remove() }
        let (profileURL, _) = try TestProfiles.small(.vp9, in: workspace)
        let port = try Ports.free(.tcp)
        let config = workspace.file("mutstream.yaml")
        try """
            node_id: auto-test
            listen: 127.0.0.1:\(port)
            streams:
              - name: demo
                source: demo
                profile: \(profileURL.path)
            """.write(to: config, atomically: true, encoding: .utf8)

        let server = try ChildProcess(try Paths.mutstream(), ["serve", "--config", config.path], label: "serve", logDirectory: workspace.url)
        defer { server.killIfRunning() }
        try await Ports.waitUntilListening(port, .tcp, timeoutSeconds: 30)
        // A few 1-s segments in the window, so ffmpeg starts three segments from the end.
        let deadline = Date().addingTimeInterval(30)
        while !(try LoopbackHTTP.get(port: port, path: "/live/demo/auto/index.m3u8?s=00000000000000aa").body
            .components(separatedBy: "#EXTINF:").count > 4) {
            guard Date() < deadline, server.isRunning else {
                throw SetupError("no 4 segments in the auto playlist after 30 s; serve stderr:\n\(server.standardError.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(200))
        }

        let url = "http://127.0.0.1:\(port)/live/demo/auto/index.m3u8"
        let play = try await CompletedRun.run(
            try Paths.tool("ffmpeg"), ["-hide_banner", "-nostdin", "-loglevel", "error", "-i", url, "-t", "4", "-f", "null", "-"],
            label: "ffmpeg-auto", in: workspace, timeoutSeconds: 40
        )
        #expect(play.termination == .success, "ffmpeg: \(play.termination)\n\(play.standardError)")
        #expect(play.standardError.isEmpty, "ffmpeg reported errors:\n\(play.standardError)")

        let sessions = try LoopbackHTTP.get(port: port, path: "/admin/v1/sessions")
        #expect(sessions.status == 200)
        #expect(sessions.body.contains("\"stream\":\"demo\""), "\(sessions.body)")
        #expect(sessions.body.contains("\"matched_by\":\"peer\""), "ffmpeg's own session, by address and User-Agent:\n\(sessions.body)")
        let metrics = try LoopbackHTTP.get(port: port, path: "/metrics").body
        #expect(metrics.contains("mutstream_abr_sessions{stream=\"demo\"} 2"), "the probe's session and ffmpeg's")
        #expect(metrics.contains("mutstream_abr_chosen_sessions{stream=\"demo\",rendition=\"r180\"}"))

        server.send(SIGTERM)
        let ended = try await server.waitForExit(timeoutSeconds: 20)
        #expect(ended == .success, "serve after SIGTERM: \(ended)\n\(server.standardError.suffix(2000))")
    }
}

/// One GET over a fresh loopback connection (`connection: close`), enough for polling.
enum LoopbackHTTP {
    struct Response { var status: Int; var body: String }

    static func get(port: Int, path: String) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SetupError("connect to port \(port) failed: errno \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nhost: 127.0.0.1\r\nuser-agent: auto-test-probe\r\nconnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw SetupError("no HTTP response from \(path): \(text)") }
        let status = Int(text[..<split.lowerBound].split(separator: " ").dropFirst().first ?? "") ?? 0
        return Response(status: status, body: String(text[split.upperBound...]))
    }
}
