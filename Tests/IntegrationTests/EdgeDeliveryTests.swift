import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EdgeServiceTests {
    @Suite("Delivery: LL-HLS, metrics, caches")
    struct DeliveryTests {
        /// The demo stream (`source: demo`) plays with the real ffmpeg player.
        @Test("the demo stream plays: ffmpeg reads 3 s of the master")
        func demoPlays() async throws {
            let (workspace, node) = try await EdgeServiceTests.startNode("demo")
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await node.waitForSegments(2, "demo", "r180")
            let master = "http://127.0.0.1:\(node.port)/live/demo/master.m3u8"
            let played = try await Player.play(master, seconds: 3, in: workspace)
            #expect(played.run.termination == .success, "ffmpeg -i \(master): \(played.run.termination)\n\(played.run.standardError)")
            #expect(played.frames >= 60, "ffmpeg decoded \(played.frames) frames of 3 s at 24 fps")
        }

        /// The media playlist as an independent parser reads it, and the parts it names.
        @Test("LL-HLS tags read by the m3u8 parser: parts, server control, preload hint, rendition reports")
        func lowLatencyTags() async throws {
            let (workspace, node) = try await EdgeServiceTests.startNode("llhls")
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await node.waitForSegments(3, "demo", "r180")
            let text = try await node.playlist("demo", "r180").text
            let media = try await M3U8Parser.parseMedia(text, in: workspace)

            #expect(media.version.map { $0 >= 9 } == true, "EXT-X-VERSION \(String(describing: media.version))")
            #expect(media.target_duration == 1, "EXT-X-TARGETDURATION for 1-s segments: \(String(describing: media.target_duration))")
            #expect(media.part_target == 0.25, "PART-TARGET for 0.25-s parts")
            #expect(media.can_block_reload, "CAN-BLOCK-RELOAD=YES")
            #expect((media.part_hold_back ?? 0) >= 2 * 0.25, "PART-HOLD-BACK \(String(describing: media.part_hold_back)) under two part targets")
            #expect(!media.is_endlist, "a live playlist has no ENDLIST")
            #expect(media.preload_hint_type == "PART", "EXT-X-PRELOAD-HINT TYPE")
            #expect(media.rendition_reports.contains { $0.uri == "../audio/index.m3u8" && $0.last_msn != nil },
                    "EXT-X-RENDITION-REPORT for audio: \(media.rendition_reports)")
            let complete = media.segments.filter { $0.uri != nil }
            #expect(complete.count >= 3, "complete segments: \(complete.count)")
            #expect(media.segments.allSatisfy { $0.map == "init.mp4" }, "EXT-X-MAP init.mp4 on every segment")
            for segment in complete {
                #expect(abs((segment.duration ?? 0) - 1) <= 0.05, "EXTINF of \(segment.uri ?? "?"): \(segment.duration ?? .nan)")
            }
            let withParts = complete.filter { !$0.parts.isEmpty }
            #expect(!withParts.isEmpty, "no complete segment lists its parts")
            for segment in withParts {
                #expect(segment.parts.count == 4 && segment.parts.first?.independent == true,
                        "\(segment.uri ?? "?"): 4 parts, the first INDEPENDENT: \(segment.parts)")
                #expect(abs(segment.parts.reduce(0) { $0 + $1.duration } - (segment.duration ?? 0)) <= 0.01,
                        "\(segment.uri ?? "?"): parts do not add up to EXTINF")
            }
            // The preload hint names the part after the last one listed.
            let parts = media.segments.flatMap(\.parts)
            if let last = parts.last.flatMap({ LivePlaylist.partPosition($0.uri) }), let hint = media.preload_hint_uri.flatMap(LivePlaylist.partPosition) {
                #expect(hint == (last.0, last.1 + 1) || hint == (last.0 + 1, 0), "preload hint \(hint) after last part \(last)")
            }

            // Every part listed is served, and the parts of a segment are its bytes.
            for part in parts.suffix(6) {
                let response = try await node.get("/live/demo/r180/\(part.uri)")
                #expect(response.status == 200 && !response.body.isEmpty, "\(part.uri): \(response)")
                #expect(response.headers["content-type"] == "video/iso.segment")
            }
            if let segment = withParts.last, let uri = segment.uri {
                let whole = try await node.get("/live/demo/r180/\(uri)")
                var joined: [UInt8] = []
                for part in segment.parts { joined += try await node.get("/live/demo/r180/\(part.uri)").body }
                #expect(whole.status == 200 && whole.body == joined, "\(uri) is not its parts back to back (\(whole.body.count) vs \(joined.count) bytes)")
            }
            let initSection = try await node.get("/live/demo/r180/init.mp4")
            #expect(initSection.status == 200 && initSection.body.count > 8 && initSection.text.contains("ftyp"), "init.mp4: \(initSection.status)")
        }

        /// Blocking playlist reload: `_HLS_msn`/`_HLS_part` of the next part is held until it
        /// exists and then answered with a playlist that lists it; the preload-hint part
        /// itself is held and answered too.
        @Test("blocking reload and the preload-hint part are held until produced, then served")
        func blockingReload() async throws {
            let (workspace, node) = try await EdgeServiceTests.startNode("blocking")
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            let before = try await node.waitForSegments(2, "demo", "r180")
            let hint = try #require(before.preloadHint.flatMap(LivePlaylist.partPosition), "no preload hint:\n\(before.text)")

            let started = Date()
            let blocked = try await node.get("/live/demo/r180/index.m3u8?_HLS_msn=\(hint.0)&_HLS_part=\(hint.1)")
            let held = Date().timeIntervalSince(started)
            #expect(blocked.status == 200, "blocking reload: \(blocked)")
            let after = LivePlaylist(blocked.text)
            #expect(after.parts.contains { $0.mediaSequence == hint.0 && $0.index == hint.1 },
                    "the blocking answer does not list part \(hint):\n\(blocked.text)")
            #expect(held < 2, "blocking reload for the next part took \(held) s")
            #expect(blocked.headers["cache-control"]?.contains("max-age") == true, "cache-control: \(blocked.headers)")

            let nextHint = try #require(after.preloadHint, "no preload hint:\n\(after.text)")
            let part = try await node.get("/live/demo/r180/\(nextHint)")
            #expect(part.status == 200 && !part.body.isEmpty, "preload-hint part \(nextHint): \(part)")
        }

        /// /metrics passes promtool and carries the families operators alert on.
        @Test("/metrics passes promtool check metrics and reports streams, HTTP and process")
        func metricsPassPromtool() async throws {
            let (workspace, node) = try await EdgeServiceTests.startNode("metrics")
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await node.waitForSegments(2, "demo", "r180")
            _ = try await node.get("/live/demo/r180/init.mp4")
            _ = try await node.get("/no/such/path")
            try await Task.sleep(for: .seconds(1.2))  // one metrics tick after producing
            let response = try await node.get("/metrics")
            #expect(response.status == 200 && response.headers["content-type"]?.hasPrefix("text/plain") == true, "\(response.headers)")
            let metricsFile = workspace.file("metrics.txt")
            try Data(response.body).write(to: metricsFile)
            let check = try await CompletedRun.run(
                try Paths.tool("sh"), ["-c", "promtool check metrics < \"$1\"", "sh", metricsFile.path], label: "promtool", in: workspace)
            #expect(check.termination == .success, "promtool check metrics: \(check.termination)\n\(check.standardOutput)\(check.standardError)")
            #expect(check.standardOutput.isEmpty && check.standardError.isEmpty, "promtool findings:\n\(check.standardOutput)\(check.standardError)")

            let samples = response.text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            func value(_ prefix: String) -> Double? {
                samples.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            #expect(value("mutstream_stream_producing{stream=\"demo\"}") == 1, "mutstream_stream_producing for demo")
            #expect(value("mutstream_ingest_state{stream=\"demo\"}") == 2, "mutstream_ingest_state for demo (2: receiving)")
            #expect((value("mutstream_input_frames_total{stream=\"demo\"}") ?? 0) > 0, "input frames counted")
            #expect(samples.contains { $0.hasPrefix("mutstream_http_requests_total{") && $0.contains("\"404\"") },
                    "no 404 counted in mutstream_http_requests_total")
            #expect((value("process_resident_memory_bytes") ?? 0) > 0, "process_resident_memory_bytes")
        }

        /// nginx as a standard HTTP cache in front: the second player's part comes from the
        /// cache, not from mutstream, and a player plays through it.
        @Test("nginx caching proxy in front: the second fetch of a part is a cache HIT; ffmpeg plays through nginx")
        func nginxCache() async throws {
            let (workspace, node) = try await EdgeServiceTests.startNode("nginx")
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            let proxyPort = try Ports.free(.tcp)
            let nginx = try startNginx(port: proxyPort, upstreamPort: node.port, in: workspace)
            defer { nginx.terminate() }
            try await Ports.waitUntilListening(proxyPort, .tcp)

            let playlist = try await node.waitForSegments(2, "demo", "r180")
            let part = try #require(playlist.parts.first, "no parts listed:\n\(playlist.text)")
            let path = "/live/demo/r180/\(part.uri)"
            let direct = try await node.get(path)
            let first = try await HTTPClient.get(port: proxyPort, path)
            let servedBefore = try await partRequestsServed(node)
            let second = try await HTTPClient.get(port: proxyPort, path)
            let servedAfter = try await partRequestsServed(node)
            #expect(first.status == 200 && first.headers["x-cache-status"] == "MISS", "first fetch via nginx: \(first.headers)")
            #expect(second.status == 200 && second.headers["x-cache-status"] == "HIT", "second fetch via nginx: \(second.headers)")
            #expect(first.body == direct.body && second.body == direct.body, "nginx serves other bytes than mutstream")
            #expect(servedAfter == servedBefore, "mutstream answered \(servedAfter - servedBefore) part request(s) for the cached part")

            let master = "http://127.0.0.1:\(proxyPort)/live/demo/master.m3u8"
            let played = try await Player.play(master, seconds: 3, in: workspace)
            #expect(played.run.termination == .success, "ffmpeg via nginx: \(played.run.termination)\n\(played.run.standardError)")
            #expect(played.frames >= 60, "ffmpeg via nginx decoded \(played.frames) frames of 3 s")
            #expect(nginx.isRunning, "nginx ended: \(nginx.standardError)")
        }

        /// Successful part requests mutstream has answered (`mutstream_http_requests_total`).
        private func partRequestsServed(_ node: ServeNode) async throws -> Double {
            let text = try await node.get("/metrics").text
            return text.split(separator: "\n")
                .filter { $0.hasPrefix("mutstream_http_requests_total{") && $0.contains("\"part\"") && $0.contains("\"200\"") }
                .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }

        private func startNginx(port: Int, upstreamPort: Int, in workspace: Workspace) throws -> ChildProcess {
            let prefix = workspace.file("nginx")
            for folder in ["cache", "temp", "logs"] {
                try FileManager.default.createDirectory(at: prefix.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            let config = """
                \(getuid() == 0 ? "user root;" : "")
                worker_processes 1;
                pid nginx.pid;
                error_log logs/error.log warn;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path temp/body;
                    proxy_temp_path temp/proxy;
                    fastcgi_temp_path temp/fastcgi;
                    uwsgi_temp_path temp/uwsgi;
                    scgi_temp_path temp/scgi;
                    proxy_cache_path \(prefix.appendingPathComponent("cache").path) levels=1 keys_zone=mutstream:1m max_size=64m inactive=5m use_temp_path=off;
                    server {
                        listen 127.0.0.1:\(port);
                        location / {
                            proxy_pass http://127.0.0.1:\(upstreamPort);
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_cache mutstream;
                            proxy_cache_lock on;
                            add_header X-Cache-Status $upstream_cache_status always;
                        }
                    }
                }
                """
            try config.write(to: prefix.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            return try ChildProcess(try Paths.tool("nginx"), ["-p", prefix.path + "/", "-c", "nginx.conf", "-g", "daemon off;"],
                                    label: "nginx", logDirectory: workspace.url)
        }
    }
}
