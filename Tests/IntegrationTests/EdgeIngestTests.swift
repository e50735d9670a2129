import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// An ingest the service listens on, and the ffmpeg push that matches it.
struct EdgeIngest: CustomStringConvertible {
    let live: LiveInput
    let key: String?

    init(_ kind: LiveInput.Kind) throws {
        live = try LiveInput(kind)
        key = switch kind {
        case .srt: "srt-passphrase-0123"  // the SRT passphrase: 10 to 79 characters
        case .rtmp: "rtmp-key-42"
        case .udp: nil
        }
    }

    var description: String { live.description }

    /// The stream's `source:`.
    var source: String {
        switch live.kind {
        case .srt: "srt://127.0.0.1:\(live.port)?mode=listener"
        case .rtmp: "rtmp://127.0.0.1:\(live.port)/live"
        case .udp: "udp://127.0.0.1:\(live.port)"
        }
    }

    /// Where ffmpeg pushes with `key` (nil: none), and the container.
    func push(key: String?) -> (url: String, format: String) {
        switch live.kind {
        case .srt: ("srt://127.0.0.1:\(live.port)" + (key.map { "?passphrase=\($0)" } ?? ""), "mpegts")
        case .rtmp: ("rtmp://127.0.0.1:\(live.port)/live/\(key ?? "")", "flv")
        case .udp: ("udp://127.0.0.1:\(live.port)?pkt_size=1316", "mpegts")
        }
    }

    var stream: NodeConfigFile.Stream { .init(name: "cam", source: source, profile: "small", ingestKey: key) }
}

extension EdgeServiceTests {
    @Suite("Ingest: ffmpeg pushes, players read back")
    struct IngestTests {
        /// ffmpeg pushes 8 s in real time with the right key; while it does, the stream is
        /// producing, ffprobe sees the ladder through HTTP, and ffmpeg plays the master.
        @Test("a push with the right key is transcoded and plays over HTTP", arguments: LiveInput.Kind.allCases)
        func pushAndPlay(kind: LiveInput.Kind) async throws {
            let ingest = try EdgeIngest(kind)
            let (workspace, node) = try await EdgeServiceTests.startNode("push-\(kind.rawValue)", streams: [ingest.stream])
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await Ports.waitUntilListening(ingest.live.port, ingest.live.transport)
            #expect(try await node.producing()["cam"] == false, "producing before any push")

            let push = ingest.push(key: ingest.key)
            let pusher = try SourceMedia(seconds: 8).push(to: push.url, format: push.format, in: workspace)
            defer { pusher.killIfRunning() }
            try await node.waitUntilProducing("cam", timeoutSeconds: 10)
            try await node.waitForSegments(2, "cam", "r180", timeoutSeconds: 10)

            let master = "http://127.0.0.1:\(node.port)/live/cam/master.m3u8"
            let streams = try await FFprobe.streams(at: master, in: workspace)
            let video = streams.filter { $0.codec_type == "video" }, audio = streams.filter { $0.codec_type == "audio" }
            #expect(video.count == 1 && video.first?.codec_name == "vp9" && video.first?.width == 320 && video.first?.height == 180,
                    "video streams of \(master): \(video)")
            #expect(audio.count == 1 && audio.first?.codec_name == "opus", "audio streams of \(master): \(audio)")

            let played = try await Player.play(master, seconds: 2, in: workspace)
            #expect(played.run.termination == .success, "ffmpeg playing \(master): \(played.run.termination)\n\(played.run.standardError)")
            #expect(played.frames >= 40, "ffmpeg decoded \(played.frames) frames of 2 s at 24 fps")

            let pushed = try await pusher.waitForExit(timeoutSeconds: 20)
            #expect(pushed == .success, "ffmpeg push to \(ingest): \(pushed)\n\(pusher.standardError)")
        }

        /// SRT: the ingest key is the passphrase. Pushes with none and with a wrong one fail the
        /// handshake and produce nothing; the right one then produces.
        @Test("SRT: a push without the passphrase or with a wrong one is refused")
        func srtKeyEnforced() async throws {
            let ingest = try EdgeIngest(.srt)
            let (workspace, node) = try await EdgeServiceTests.startNode("srt-key", streams: [ingest.stream])
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await Ports.waitUntilListening(ingest.live.port, ingest.live.transport)

            for key in [nil, "wrong-passphrase-9"] {
                let push = ingest.push(key: key)
                let started = Date()
                let run = try await CompletedRun.run(try Paths.tool("ffmpeg"),
                                                     ["-nostdin", "-v", "warning", "-re"] + SourceMedia(seconds: 3).encodingArguments
                                                         + ["-f", push.format, push.url],
                                                     label: "ffmpeg-push-bad-key", in: workspace, timeoutSeconds: 20)
                #expect(run.termination != .success && Date().timeIntervalSince(started) < 3,
                        "push with passphrase \(key ?? "none") was not refused: \(run.termination)\n\(run.standardError)")
            }
            try await Task.sleep(for: .seconds(1))
            #expect(try await node.producing()["cam"] == false, "producing after refused pushes")
            #expect(try await node.get("/readyz").status == 503)

            let good = ingest.push(key: ingest.key)
            let run = try await SourceMedia(seconds: 3).pushUntilAccepted(to: good.url, format: good.format, in: workspace)
            #expect(run.termination == .success, "push with the right passphrase: \(run.termination)\n\(run.standardError)")
            #expect(try await node.producing()["cam"] == true, "not producing after a push with the right passphrase:\n\(node.log)")
        }

        /// RTMP: the ingest key is the stream name under /live; a push to another name must not
        /// be transcoded.
        @Test("RTMP: a push to another stream name produces nothing")
        func rtmpKeyEnforced() async throws {
            let ingest = try EdgeIngest(.rtmp)
            let (workspace, node) = try await EdgeServiceTests.startNode("rtmp-key", streams: [ingest.stream])
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await Ports.waitUntilListening(ingest.live.port, ingest.live.transport)

            let push = ingest.push(key: "not-the-key")
            let pusher = try SourceMedia(seconds: 4).push(to: push.url, format: push.format, in: workspace)
            defer { pusher.killIfRunning() }
            _ = try await pusher.waitForExit(timeoutSeconds: 20)
            try await Task.sleep(for: .seconds(1))
            #expect(try await node.producing()["cam"] == false, "a push to /live/not-the-key made the stream produce:\n\(node.log)")
            let playlist = try await node.get("/live/cam/r180/index.m3u8", timeoutSeconds: 10)
            #expect(playlist.status != 200, "a push to /live/not-the-key is served: \(playlist)")

            // The gate still admits the key.
            let good = ingest.push(key: ingest.key)
            let run = try await SourceMedia(seconds: 3).pushUntilAccepted(to: good.url, format: good.format, in: workspace)
            #expect(run.termination == .success, "push to /live/KEY: \(run.termination)\n\(run.standardError)")
            #expect(try await node.producing()["cam"] == true, "not producing after a push to /live/KEY:\n\(node.log)")
        }

        /// The documented shape `source: rtmp://127.0.0.1:PORT/live` + `ingest_key` listens on
        /// the loopback address for /live/KEY.
        @Test("RTMP on a loopback address listens for the push")
        func rtmpLoopbackListens() async throws {
            let port = try Ports.free(.tcp)
            let stream = NodeConfigFile.Stream(name: "cam", source: "rtmp://127.0.0.1:\(port)/live", profile: "small", ingestKey: "rtmp-key-42")
            let (workspace, node) = try await EdgeServiceTests.startNode("rtmp-loopback", streams: [stream])
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            let listening = try await node.eventually(timeoutSeconds: 5) { Ports.isListening(port, .tcp) }
            #expect(listening, "nothing listens on 127.0.0.1:\(port) for the RTMP ingest:\n\(node.log)")
        }
    }
}
