import Dispatch
import Foundation
import NIOCore
import Testing

@testable import Relay

@Suite("HTTP server", .serialized)
struct HTTPServerTests {
    @Test func servesPlaylistsInitSegmentsAndParts() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<3, size: 3_000)
        try await withRunningServer(store: store) { running in
            let client = try running.client()

            let master = try client.request("GET", "/live/main/master.m3u8")
            #expect(master.status == 200)
            #expect(master.headers["content-type"] == "application/vnd.apple.mpegurl")
            #expect(master.headers["cache-control"] == "public, max-age=1")
            #expect(master.text.contains("#EXT-X-STREAM-INF:"))

            let media = try client.request("GET", "/live/main/720p/index.m3u8")
            #expect(media.status == 200)
            #expect(media.text.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part3.0.m4s\""))

            let initSection = try client.request("GET", "/live/main/720p/init.mp4")
            #expect(initSection.status == 200)
            #expect(initSection.text == "init 720p")
            #expect(initSection.headers["content-type"] == "video/mp4")
            #expect(initSection.headers["cache-control"] == "public, max-age=31536000, immutable")

            let part = try client.request("GET", "/live/main/720p/part1.2.m4s")
            #expect(part.status == 200)
            #expect(part.body == Fixtures.payload(1, 2, size: 3_000))
            #expect(part.headers["content-type"] == "video/iso.segment")
            #expect(part.headers["cache-control"] == "public, max-age=31536000, immutable")

            let segment = try client.request("GET", "/live/main/720p/seg2.m4s")
            #expect(segment.status == 200)
            #expect(segment.body == (0..<4).flatMap { Fixtures.payload(2, $0, size: 3_000) })
            #expect(segment.headers["content-length"] == "12000")

            let head = try client.request("HEAD", "/live/main/720p/seg2.m4s")
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == "12000")
            #expect(head.body.isEmpty)
            // Still in sync after HEAD: the connection was kept alive.
            #expect(try client.request("GET", "/healthz").status == 200)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<2)
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            let paths = ["/live/main/720p/part0.0.m4s", "/nope", "/live/main/360p/part1.3.m4s", "/healthz", "/live/main/audio/seg0.m4s"]
            try client.send(paths.map { "GET \($0) HTTP/1.1\r\nhost: x\r\n\r\n" }.joined())
            let responses = try paths.map { _ in try client.readResponse() }
            #expect(responses.map(\.status) == [200, 404, 200, 200, 200])
            #expect(responses[0].body == Fixtures.payload(0, 0))
            #expect(responses[2].body == Fixtures.payload(1, 3))
            #expect(responses[4].body.count == 4_000)
        }
    }

    @Test func blockingReloadReturnsPromptlyWhenThePartLands() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1, partsPerSegment: 2, endSegments: false)
        try await withRunningServer(store: store, configure: { $0.maxBlockingWaitSeconds = 5 }) { running in
            let client = try running.client()
            let publishedAt = LockedBox<Double>(0)
            let start = Fixtures.monotonicSeconds()
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(300)) {
                publishedAt.value = Fixtures.monotonicSeconds()
                try? store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 2))
            }
            let response = try client.request("GET", "/live/main/720p/index.m3u8?_HLS_msn=0&_HLS_part=2")
            let answeredAt = Fixtures.monotonicSeconds()
            #expect(response.status == 200)
            #expect(response.text.contains("URI=\"part0.2.m4s\""))
            #expect(response.headers["cache-control"] == "public, max-age=6")
            #expect(answeredAt - start >= 0.29, "the request was held until the part existed")
            // Prompt: answered right after the publish, not at some polling tick. Generous bound
            // for a shared machine; the benchmark measures the real figure.
            #expect(answeredAt - publishedAt.value < 0.5)
        }
    }

    @Test func preloadHintPartRequestBlocksThenServes() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1, partsPerSegment: 1, endSegments: false)
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) {
                try? store.appendPart(stream: "main", rendition: "360p", part: Fixtures.part(0, 1))
            }
            let start = Fixtures.monotonicSeconds()
            let response = try client.request("GET", "/live/main/360p/part0.1.m4s")
            #expect(response.status == 200)
            #expect(response.body == Fixtures.payload(0, 1))
            #expect(Fixtures.monotonicSeconds() - start >= 0.19)
        }
    }

    @Test func missingPartIs503AfterTheBound() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1, partsPerSegment: 1, endSegments: false)
        try await withRunningServer(store: store, configure: { $0.maxBlockingWaitSeconds = 0.3 }) { running in
            let client = try running.client()
            let start = Fixtures.monotonicSeconds()
            let part = try client.request("GET", "/live/main/720p/part0.1.m4s")
            let elapsed = Fixtures.monotonicSeconds() - start
            #expect(part.status == 503)
            #expect(elapsed >= 0.29 && elapsed < 2)
            let playlist = try client.request("GET", "/live/main/720p/index.m3u8?_HLS_msn=1")
            #expect(playlist.status == 503)
            // Evicted or never-to-be parts are 404 at once, not held.
            #expect(try client.request("GET", "/live/main/720p/part5.0.m4s").status == 404)
        }
    }

    @Test func directivesTooFarAheadAre400AtOnce() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<2)
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            let start = Fixtures.monotonicSeconds()
            #expect(try client.request("GET", "/live/main/720p/index.m3u8?_HLS_msn=10").status == 400)
            #expect(try client.request("GET", "/live/main/720p/index.m3u8?_HLS_msn=1&_HLS_part=40").status == 400)
            #expect(try client.request("GET", "/live/main/720p/index.m3u8?_HLS_part=1").status == 400)
            #expect(try client.request("GET", "/live/main/720p/index.m3u8?_HLS_msn=abc").status == 400)
            #expect(Fixtures.monotonicSeconds() - start < 2)
            // An old msn is already satisfied.
            #expect(try client.request("GET", "/live/main/720p/index.m3u8?_HLS_msn=0").status == 200)
        }
    }

    @Test func unknownPathsAndMethodsAreRefusedCleanly() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1)
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            for path in [
                "/", "/live/main/720p/../../../etc/passwd", "/live/%2e%2e/%2e%2e/etc/passwd", "/live/other/master.m3u8",
                "/live/main/1080p/index.m3u8", "/live/main/720p/seg77.m4s", "/live/main/720p/init.mp4x", "/admin/v1/reload",
                "/live/main/720p/part0.x.m4s",
            ] {
                let response = try client.request("GET", path)
                #expect(response.status == 404, "\(path)")
                #expect(response.body.count < 64)
                #expect(!response.text.contains("Error"), "\(path)")
                #expect(!response.text.contains(".swift"), "\(path)")
            }
            let put = try client.request("PUT", "/live/main/720p/index.m3u8", body: "x")
            #expect(put.status == 405)
            #expect(put.headers["allow"] == "GET, HEAD")
            #expect(try client.request("POST", "/live/main/720p/index.m3u8", body: "x").status == 405)
            #expect(try client.request("DELETE", "/admin/v1/reload").status == 405)
            // Garbage is a 400 from the HTTP decoder and the connection is closed.
            let garbage = try running.client()
            try garbage.send("NOT HTTP AT ALL\r\n\r\n")
            #expect(try garbage.readResponse().status == 400)
        }
    }

    @Test func healthAndReadiness() async throws {
        let store = try Fixtures.store()
        try store.addStream(Fixtures.descriptor(name: "second"))
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            #expect(try client.request("GET", "/healthz").status == 200)
            var ready = try client.request("GET", "/readyz")
            #expect(ready.status == 503)
            #expect(ready.text.contains("main") && ready.text.contains("second"))
            try store.setProducing(stream: "main", true)
            ready = try client.request("GET", "/readyz")
            #expect(ready.status == 503)
            #expect(!ready.text.contains("main") && ready.text.contains("second"))
            try store.setProducing(stream: "second", true)
            #expect(try client.request("GET", "/readyz").status == 200)
        }
    }

    @Test func adminRequestsGoToThePluggableHandler() async throws {
        try await withRunningServer(store: try Fixtures.store(), configure: { $0.maxAdminBodyBytes = 1_000 }) { running in
            let client = try running.client()
            #expect(try client.request("POST", "/admin/v1/reload", body: "{}").status == 404)
            running.server.setAdminHandler { request, eventLoop in
                eventLoop.makeSucceededFuture(AdminResponse(
                    status: .accepted, text: "\(request.method) \(request.path) \(request.query ?? "-") \(String(buffer: request.body))"))
            }
            let reply = try client.request("POST", "/admin/v1/reload?dry=1", body: "{\"profile\":\"x\"}")
            #expect(reply.status == 202)
            #expect(reply.text == "POST /admin/v1/reload dry=1 {\"profile\":\"x\"}")
            let tooLarge = try client.request("POST", "/admin/v1/reload", body: String(repeating: "x", count: 2_000))
            #expect(tooLarge.status == 413)
            #expect(try client.request("GET", "/admin/v1/status").status == 202)
        }
    }

    @Test func connectionsBeyondTheLimitAreRefused() async throws {
        try await withRunningServer(store: try Fixtures.store(), configure: { $0.maxConnections = 2 }) { running in
            let first = try running.client()
            let second = try running.client()
            #expect(try first.request("GET", "/healthz").status == 200)
            #expect(try second.request("GET", "/healthz").status == 200)
            let third = try running.client()
            let refused = try third.readResponse()
            #expect(refused.status == 503)
            #expect(third.waitForClose())
            // Closing one makes room again.
            _ = consume first
            try await waitUntil { running.server.openConnections < 2 }
            let fourth = try running.client()
            #expect(try fourth.request("GET", "/healthz").status == 200)
            #expect(try second.request("GET", "/healthz").status == 200)
        }
    }

    /// A client that pipelines many requests for a large segment and reads nothing must not
    /// make the server queue one response per request: it stops answering at the high-water
    /// mark. Then, once the client reads, every response arrives intact.
    @Test func slowReaderCannotGrowServerBuffers() async throws {
        let store = try Fixtures.store()
        let partBytes = 512 * 1024
        try Fixtures.publish(store, segments: 0..<1, size: partBytes, renditions: ["720p"])
        let segmentBytes = 4 * partBytes
        let highWater = 64 * 1024
        let configure: (inout HTTPServerConfiguration) -> Void = {
            $0.writeBufferHighWaterMarkBytes = highWater
            $0.writeBufferLowWaterMarkBytes = 16 * 1024
        }
        try await withRunningServer(store: store, configure: configure) { running in
            let requests = 40
            let (client, peak) = try await running.pipelineWithoutReading("/live/main/720p/seg0.m4s", count: requests)
            // Without backpressure this would be requests × segment (80 MiB).
            #expect(peak > 0)
            // At most one response beyond the high-water mark, counted per part written.
            #expect(peak <= segmentBytes + partBytes + highWater)
            let metrics = try running.client().request("GET", "/metrics").text
            #expect(metrics.contains("mutstream_http_buffered_response_bytes "))
            for _ in 0..<requests {
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.body.count == segmentBytes)
            }
            try await waitUntil { running.server.bufferedResponseBytes == 0 }
        }
    }

    @Test func metricsPassPromtool() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<3)
        try await withRunningServer(store: store) { running in
            let pipeline = PipelineMetrics(registry: running.registry)
            pipeline.ingestState.labels("main").set(2)
            pipeline.inputFrames.labels("main").increment(by: 900)
            pipeline.decodeErrors.labels("main").increment()
            pipeline.droppedFrames.labels("main").increment(by: 0)
            pipeline.encodeFramesPerSecond.labels("main", "720p").set(29.97)
            pipeline.realtimeRatio.labels("main", "720p").set(1.8)
            pipeline.outputBytesPerSecond.labels("main", "720p").set(300_000)
            pipeline.encoderQueueFrames.labels("main", "720p").set(3)
            let client = try running.client()
            _ = try client.request("GET", "/live/main/720p/part1.1.m4s")
            _ = try client.request("GET", "/nope")
            let response = try client.request("GET", "/metrics")
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let text = response.text
            #expect(text.contains("mutstream_http_requests_total{route=\"part\",code=\"200\"} 1\n"))
            #expect(text.contains("mutstream_http_requests_total{route=\"other\",code=\"404\"} 1\n"))
            #expect(text.contains("mutstream_store_segments{stream=\"main\",rendition=\"720p\"} 3\n"))
            #expect(text.contains("mutstream_encode_frames_per_second{stream=\"main\",rendition=\"720p\"} 29.97\n"))
            #expect(text.contains("mutstream_http_request_duration_seconds_bucket{route=\"part\",le=\"+Inf\"} 1\n"))
            #expect(text.contains("\nprocess_resident_memory_bytes "))
            #expect(text.contains("\nprocess_cpu_seconds_total "))

            let promtool = try #require(
                ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) },
                "promtool is needed (Debian package prometheus; the Makefile's test goal installs it)"
            )
            let process = Process()
            process.executableURL = URL(fileURLWithPath: promtool)
            process.arguments = ["check", "metrics"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(Data(text.utf8))
            try input.fileHandleForWriting.close()
            let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "promtool: \(report)")
            #expect(report.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool lint: \(report)")
        }
    }

    @Test func shutdownFinishesInFlightRequestsAndStopsAccepting() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1, partsPerSegment: 1, endSegments: false)
        let running = try await RunningServer.start(store: store) { $0.maxBlockingWaitSeconds = 5 }
        let blocked = try running.client()
        try blocked.sendRequest("GET", "/live/main/720p/part0.1.m4s")
        let idle = try running.client()
        #expect(try idle.request("GET", "/healthz").status == 200)
        try await waitUntil { store.statistics().first { $0.rendition == "720p" }?.waiters == 1 }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) {
            try? store.appendPart(stream: "main", rendition: "720p", part: Fixtures.part(0, 1))
        }
        await running.server.shutdown()
        // The in-flight request got its answer before the connection closed.
        let answer = try blocked.readResponse()
        #expect(answer.status == 200)
        #expect(blocked.waitForClose())
        #expect(idle.waitForClose())
        #expect(throws: (any Error).self) { try RawHTTPClient(port: running.port) }
    }
}

/// Polls `condition` every 10 ms for up to 5 s.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<500 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition not met in time")
}

/// A value shared with a Dispatch closure in a test.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { self.stored = value }
    var value: Value {
        get { self.lock.withLock { self.stored } }
        set { self.lock.withLock { self.stored = newValue } }
    }
}
