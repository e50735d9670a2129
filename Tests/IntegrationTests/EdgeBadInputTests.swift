import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EdgeServiceTests {
    @Suite("Bad input to the service")
    struct BadInputTests {
        /// Text a crash or an unhandled error would leave in a response body.
        static let crashMarkers = ["Fatal error", "Backtrace", ".swift:", "Thread ", "panic", "stack"]

        @Test("malformed or unknown paths: 404 with a short plain body, no stack trace; the server goes on")
        func unknownPaths() async throws {
            let (workspace, node) = try await EdgeServiceTests.startNode("404")
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await node.waitForSegments(1, "demo", "r180")
            let targets = [
                "/", "/live", "/live/", "/live/demo", "/live/demo/", "/live/nosuch/master.m3u8", "/live/nosuch/r180/index.m3u8",
                "/live/demo/nosuch/index.m3u8", "/live/demo/nosuch/init.mp4", "/live/demo/r180/index.m3u8/extra",
                "/live/demo/r180/seg.m4s", "/live/demo/r180/seg-1.m4s", "/live/demo/r180/seg99999999999999999999.m4s",
                "/live/demo/r180/part1.m4s", "/live/demo/r180/part1..m4s", "/live/demo/r180/partx.y.m4s", "/live/demo/r180/seg1.mp4",
                "/live/demo/../../etc/passwd", "/live/%2e%2e/%2e%2e/etc/passwd", "/live/demo/%2e%2e/index.m3u8", "/live/.demo/master.m3u8",
                "//live//demo//master.m3u8", "/live/demo/r180/seg1.m4s%00", "/metrics/extra", "/admin/v1/nonsense",
                "/live/" + String(repeating: "a", count: 4000) + "/master.m3u8",
            ]
            for target in targets {
                let response = try await node.get(target)
                #expect(response.status == 404, "\(target.prefix(80)): \(response)")
                #expect(response.body.count < 200, "\(target.prefix(80)): a \(response.body.count)-byte 404 body")
                for marker in Self.crashMarkers {
                    #expect(!response.text.contains(marker), "\(target.prefix(80)): body has \(marker): \(response.text)")
                }
            }
            #expect(node.child.isRunning, "mutstream ended: \(node.log)")
            #expect(try await node.get("/healthz").status == 200)
            #expect(try await node.get("/live/demo/master.m3u8").status == 200)
            for marker in ["Fatal error", "Backtrace"] {
                #expect(!node.child.standardError.contains(marker), "the log has \(marker):\n\(node.log)")
            }
        }

        @Test("_HLS_msn far beyond the live edge, or malformed directives: 400 at once")
        func directivesBeyondTheEdge() async throws {
            let (workspace, node) = try await EdgeServiceTests.startNode("msn")
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            let playlist = try await node.waitForSegments(1, "demo", "r180")
            let last = try #require(playlist.lastPart, "no parts:\n\(playlist.text)")
            for query in ["_HLS_msn=\(last.mediaSequence + 100)", "_HLS_msn=999999999", "_HLS_msn=\(last.mediaSequence + 100)&_HLS_part=0",
                          "_HLS_msn=abc", "_HLS_msn=-1", "_HLS_part=1", "_HLS_msn=\(last.mediaSequence)&_HLS_part=x"] {
                let started = Date()
                let response = try await node.get("/live/demo/r180/index.m3u8?\(query)")
                let took = Date().timeIntervalSince(started)
                #expect(response.status == 400, "?\(query): \(response)")
                #expect(took < 1, "?\(query) took \(took) s: a bad request must not block")
            }
        }

        /// 4-s segments of 16 parts and a 2-s blocking limit: a part of the next segment cannot
        /// exist within the hold.
        @Test("a request for a part not yet produced is held for the blocking limit, then 503")
        func partNotYetProduced() async throws {
            let streams: [NodeConfigFile.Stream] = [.init(name: "demo", source: "demo", profile: "long")]
            let (workspace, node) = try await EdgeServiceTests.startNode("503", streams: streams) { config in
                config.blockingRequestTimeoutSeconds = 2
            } prepare: { workspace in
                try EdgeProfiles.write("long", in: workspace, segmentSeconds: 4)
            }
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await node.waitUntilProducing("demo")
            let playlist = try await node.playlist("demo", "r180")
            let last = try #require(playlist.lastPart, "no parts:\n\(playlist.text)")

            for target in ["/live/demo/r180/part\(last.mediaSequence + 1).15.m4s", "/live/demo/r180/seg\(last.mediaSequence + 1).m4s",
                           "/live/demo/r180/index.m3u8?_HLS_msn=\(last.mediaSequence + 1)"] {
                let started = Date()
                let response = try await node.get(target, timeoutSeconds: 10)
                let held = Date().timeIntervalSince(started)
                #expect(response.status == 503, "\(target): \(response)")
                #expect(held >= 1.8 && held <= 4, "\(target) held \(held) s, the limit is 2 s")
            }
        }

        /// Slow readers: four connections pipeline 400 requests for a segment each and read
        /// nothing. Without backpressure that is 1,600 segments queued in the server.
        @Test("slow readers: buffered response bytes and memory stay bounded, others are served")
        func slowReadersAreBounded() async throws {
            let bufferLimit = 65_536
            let (workspace, node) = try await EdgeServiceTests.startNode("slow") { config in
                config.windowSegments = 30
                config.perConnectionBufferBytes = bufferLimit
                config.maxConnections = 16
            }
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            let playlist = try await node.waitForSegments(3, "demo", "r180")
            let segment = try #require(playlist.segments.last)
            let path = "/live/demo/r180/\(segment.uri)"
            let segmentBytes = try await node.get(path).body.count
            #expect(segmentBytes > 10_000, "\(path) is only \(segmentBytes) bytes")
            let residentBefore = node.residentBytes

            let readers = try (0..<4).map { _ in try RawConnection(port: node.port, receiveBufferBytes: 4096, receiveTimeoutSeconds: 1) }
            defer { readers.forEach { $0.close() } }
            let pipelined = String(repeating: "GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n", count: 400)
            for reader in readers { try reader.send(pipelined) }
            try await Task.sleep(for: .seconds(2))

            let started = Date()
            let health = try await node.get("/healthz", timeoutSeconds: 5)
            #expect(health.status == 200 && Date().timeIntervalSince(started) < 2, "healthz while readers stall: \(health)")
            let buffered = try await bufferedResponseBytes(node)
            let bound = 4 * (bufferLimit + 2 * segmentBytes)
            #expect(buffered <= Double(bound), "\(Int(buffered)) response bytes buffered for 4 stalled readers; bound \(bound)")
            let unbounded = 4 * 400 * segmentBytes
            let growth = node.residentBytes - residentBefore
            #expect(growth < unbounded / 3, "resident memory grew \(growth / 1024) KiB (all answers would be \(unbounded / 1024) KiB)")

            // A stalled reader that starts reading gets whole, correct answers.
            let sample = readers[0].readAvailable(limit: 65_536)
            #expect(String(decoding: sample.prefix(12), as: UTF8.self) == "HTTP/1.1 200", "first bytes to a slow reader")
            readers.forEach { $0.close() }
            let drained = try await node.eventually(timeoutSeconds: 5) { try await bufferedResponseBytes(node) < Double(bufferLimit) }
            #expect(drained, "buffered bytes not released after the slow readers closed")
        }

        @Test("a limit on connections: over max_connections a client gets 503 and is closed; freed slots serve again")
        func connectionLimit() async throws {
            let (workspace, node) = try await EdgeServiceTests.startNode("connlimit") { config in config.maxConnections = 8 }
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            #expect(try await node.get("/healthz").status == 200)
            // Until the server has seen that connection close, it still counts.
            let idle = try await node.eventually(timeoutSeconds: 5) { try await openConnections(node) == 1 }
            #expect(idle, "connections still open before the test")
            var held = try (0..<8).map { _ in try RawConnection(port: node.port, receiveTimeoutSeconds: 0.3) }
            defer { held.forEach { $0.close() } }
            try await Task.sleep(for: .milliseconds(300))
            // Admitted: nothing was said to them (a refused connection gets its 503 at once).
            for (index, connection) in held.enumerated() {
                #expect(connection.readAvailable().isEmpty, "held connection \(index) was answered unasked")
            }

            for _ in 0..<2 {
                let over = try await node.get("/healthz", timeoutSeconds: 5)
                #expect(over.status == 503 && over.text.contains("too many connections"), "connection over the limit: \(over)")
            }
            // The held connections are real HTTP connections.
            held[0].setReceiveTimeout(5)
            try held[0].send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = HTTPClient.parse(try held[0].readToEnd())
            #expect(answer?.status == 200, "a held connection: \(String(describing: answer))")
            held.forEach { $0.close() }
            held = []
            let served = try await node.eventually(timeoutSeconds: 5) { try await node.get("/healthz").status == 200 }
            #expect(served, "no connection admitted after the held ones closed")
            let metrics = try await node.get("/metrics").text
            let rejected = metrics.split(separator: "\n").first { $0.hasPrefix("mutstream_http_connections_rejected_total ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            #expect(rejected >= 2, "mutstream_http_connections_rejected_total \(rejected)")
        }

        @Test("an invalid configuration at start: exit 2, one `file: field: reason` line per problem, nothing listens")
        func invalidConfigAtStart() async throws {
            let workspace = try Workspace("badconfig")
            defer { workspace.remove() }
            try EdgeProfiles.write("small", in: workspace)
            let port = try Ports.free(.tcp)
            let config = workspace.file("node.yaml")
            try """
                listen: "127.0.0.1:\(port)"
                profiles_dir: \(workspace.url.path)
                streams:
                  - name: ok
                    source: demo
                    profile: small
                  - name: broken
                    source: demo
                    profile: no-such-profile
                  - name: weak
                    source: "srt://127.0.0.1:9?mode=listener"
                    profile: small
                    ingest_key: short
                limits:
                  max_connections: 0
                  window_segments: two
                """.write(to: config, atomically: true, encoding: .utf8)
            let run = try await CompletedRun.run(try Paths.mutstream(), ["serve", "--config", config.path], label: "serve-bad",
                                                 in: workspace, timeoutSeconds: 20)
            #expect(run.termination == .init(status: 2, bySignal: false), "serve with an invalid config: \(run.termination)\n\(run.standardError)")
            let lines = run.standardError.split(separator: "\n").map(String.init).filter { $0.hasPrefix(config.path + ": ") }
            for field in ["streams[1].profile", "limits.max_connections", "limits.window_segments"] {
                #expect(lines.contains { $0.hasPrefix("\(config.path): \(field): ") }, "no `file: \(field): reason` line:\n\(run.standardError)")
            }
            for marker in ["Fatal error", "Backtrace"] { #expect(!run.standardError.contains(marker), "stderr has \(marker)") }
            #expect(!run.standardOutput.contains("serving"), "announced serving: \(run.standardOutput)")
            #expect(!Ports.isListening(port, .tcp))

            // The SRT key problem alone (the rest fixed) is also refused with its field.
            try String(contentsOf: config, encoding: .utf8)
                .replacingOccurrences(of: "no-such-profile", with: "small")
                .replacingOccurrences(of: "max_connections: 0", with: "max_connections: 8")
                .replacingOccurrences(of: "window_segments: two", with: "window_segments: 4")
                .write(to: config, atomically: true, encoding: .utf8)
            let keyRun = try await CompletedRun.run(try Paths.mutstream(), ["serve", "--config", config.path], label: "serve-bad-key",
                                                    in: workspace, timeoutSeconds: 20)
            #expect(keyRun.termination == .init(status: 2, bySignal: false), "a 5-character SRT passphrase: \(keyRun.termination)")
            #expect(keyRun.standardError.contains("ingest_key"), "the reason does not name ingest_key:\n\(keyRun.standardError)")
        }

        @Test("a source that never connects: that stream reports not ready, the others serve")
        func sourceNeverConnects() async throws {
            let silentPort = try Ports.free(.udp)
            let streams: [NodeConfigFile.Stream] = [
                .init(name: "demo", source: "demo", profile: "small"),
                .init(name: "silent", source: "srt://127.0.0.1:\(silentPort)?mode=listener", profile: "small", ingestKey: "never-used-passphrase"),
            ]
            let (workspace, node) = try await EdgeServiceTests.startNode("silent", streams: streams)
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await node.waitForSegments(2, "demo", "r180")

            let readiness = try await node.get("/readyz")
            #expect(readiness.status == 503 && readiness.text.contains("silent") && !readiness.text.contains("demo"), "/readyz: \(readiness)")
            #expect(try await node.producing() == ["demo": true, "silent": false])
            #expect(try await node.get("/healthz").status == 200, "healthz: the process itself is fine")
            let silentPlaylist = try await node.get("/live/silent/r180/index.m3u8", timeoutSeconds: 10)
            #expect(silentPlaylist.status == 503 || silentPlaylist.status == 404, "silent playlist: \(silentPlaylist)")
            #expect(!silentPlaylist.text.contains("#EXTINF"), "silent stream lists segments: \(silentPlaylist)")

            let demo = try await node.playlist("demo", "r180")
            let part = try #require(demo.lastPart)
            #expect(try await node.get("/live/demo/r180/\(part.uri)").status == 200)
            let metrics = try await node.get("/metrics").text
            #expect(metrics.contains("mutstream_stream_producing{stream=\"silent\"} 0"), "producing gauge for the silent stream")
            #expect(metrics.contains("mutstream_stream_producing{stream=\"demo\"} 1"), "producing gauge for demo")
        }

        /// `mutstream_http_connections` as a fresh connection sees it (itself included).
        private func openConnections(_ node: ServeNode) async throws -> Double {
            let text = try await node.get("/metrics").text
            return text.split(separator: "\n").first { $0.hasPrefix("mutstream_http_connections ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") } ?? .infinity
        }

        private func bufferedResponseBytes(_ node: ServeNode) async throws -> Double {
            let text = try await node.get("/metrics").text
            return text.split(separator: "\n").first { $0.hasPrefix("mutstream_http_buffered_response_bytes ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") } ?? .infinity
        }
    }
}
