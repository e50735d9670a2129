import Foundation
import Testing

@testable import Relay

/// The part loops: keep-alive part requests answered with epoll and sendfile, everything
/// else handed to NIO mid-connection with the bytes not yet answered.
@Suite("Part fast path")
struct PartFastPathTests {
    private func partLoopResponses(_ running: RunningServer) throws -> Int {
        let text = try running.client().request("GET", "/metrics").text
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("mutstream_http_part_loop_responses_total ") }),
              let value = Double(line.split(separator: " ")[1])
        else {
            Issue.record("no mutstream_http_part_loop_responses_total in /metrics")
            return -1
        }
        return Int(value)
    }

    @Test func keepAlivePartRequestsAreServedByThePartLoops() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<2, size: 20_000)
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            for (sequence, index) in [(0, 0), (0, 3), (1, 2), (0, 0)] {
                let response = try client.request("GET", "/live/main/720p/part\(sequence).\(index).m4s")
                #expect(response.status == 200)
                #expect(response.body == Fixtures.payload(sequence, index, size: 20_000))
                #expect(response.headers["cache-control"] == ServerContext.immutableCacheControl)
                #expect(response.headers["content-type"] == ServerContext.mediaType)
            }
            #expect(try self.partLoopResponses(running) == 4)
            let metrics = try running.client().request("GET", "/metrics").text
            #expect(metrics.contains("mutstream_http_requests_total{route=\"part\",code=\"200\"} 4\n"))
            #expect(metrics.contains("mutstream_http_response_body_bytes_total{route=\"part\"} 80000\n"))
        }
    }

    @Test func pipelinedBytesFollowTheConnectionToNIO() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<2, size: 3_000)
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            // One write: a part (the loop answers it), a playlist (NIO's), then a part and a
            // health check that NIO must answer in order from the bytes the loop handed over.
            try client.send(
                "GET /live/main/720p/part0.1.m4s HTTP/1.1\r\nhost: x\r\n\r\n"
                    + "GET /live/main/720p/index.m3u8 HTTP/1.1\r\nhost: x\r\n\r\n"
                    + "GET /live/main/360p/part1.2.m4s HTTP/1.1\r\nhost: x\r\n\r\n"
                    + "GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n"
            )
            let first = try client.readResponse()
            #expect(first.status == 200)
            #expect(first.body == Fixtures.payload(0, 1, size: 3_000))
            let playlist = try client.readResponse()
            #expect(playlist.status == 200)
            #expect(playlist.text.hasPrefix("#EXTM3U"))
            let third = try client.readResponse()
            #expect(third.status == 200)
            #expect(third.body == Fixtures.payload(1, 2, size: 3_000))
            #expect(try client.readResponse().text == "ok\n")
            // The connection stays open on NIO.
            #expect(try client.request("GET", "/live/main/720p/part1.0.m4s").body == Fixtures.payload(1, 0, size: 3_000))
            #expect(try self.partLoopResponses(running) == 1)
        }
    }

    @Test func requestsTheLoopsLeaveToNIOAreAnsweredAsBefore() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1, size: 2_000)
        try await withRunningServer(store: store) { running in
            let part = "/live/main/720p/part0.2.m4s"
            let head = try running.client().request("HEAD", part)
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == "2000")

            let closing = try running.client()
            try closing.send("GET \(part) HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            let closed = try closing.readResponse()
            #expect(closed.body == Fixtures.payload(0, 2, size: 2_000))
            #expect(closed.headers["connection"] == "close")
            #expect(closing.waitForClose())

            let old = try running.client()
            try old.send("GET \(part) HTTP/1.0\r\n\r\n")
            #expect(try old.readResponse().body == Fixtures.payload(0, 2, size: 2_000))

            #expect(try running.client().request("GET", "/live/main/720p/part7.0.m4s").status == 404)
            #expect(try running.client().request("GET", "/live/main/720p/part0.9x.m4s").status == 404)

            let malformed = try running.client()
            try malformed.send("GET  HTTP/1.1\r\n\r\n")
            #expect(try malformed.readResponse().status == 400)

            // A head larger than the loop's buffer moves to NIO before it is complete.
            let large = try running.client()
            try large.send("GET \(part) HTTP/1.1\r\nhost: x\r\nx-padding: \(String(repeating: "a", count: 6_000))\r\n\r\n")
            #expect(try large.readResponse().body == Fixtures.payload(0, 2, size: 2_000))

            #expect(try self.partLoopResponses(running) == 0)
        }
    }

    @Test func aPartReaderThatStopsReadingHoldsOneResponse() async throws {
        let store = try Fixtures.store()
        let partBytes = 512 * 1024
        try Fixtures.publish(store, segments: 0..<1, size: partBytes, renditions: ["720p"])
        try await withRunningServer(store: store) { running in
            let requests = 40
            let (client, peak) = try await running.pipelineWithoutReading("/live/main/720p/part0.1.m4s", count: requests)
            // The loop stops reading while a response is unsent: one part, not 40.
            #expect(peak == partBytes)
            // Other clients are served meanwhile.
            #expect(try running.client().request("GET", "/live/main/720p/part0.0.m4s").status == 200)
            for _ in 0..<requests {
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.body == Fixtures.payload(0, 1, size: partBytes))
            }
            try await waitUntil { running.server.bufferedResponseBytes == 0 }
            #expect(try self.partLoopResponses(running) == requests + 1)
        }
    }

    @Test func shutdownClosesPartConnectionsAndTheListener() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1)
        let running = try await RunningServer.start(store: store)
        let served = try running.client()
        #expect(try served.request("GET", "/live/main/720p/part0.0.m4s").status == 200)
        let silent = try running.client()
        try await waitUntil { running.server.openConnections == 2 }
        await running.server.shutdown()
        #expect(served.waitForClose())
        #expect(silent.waitForClose())
        #expect(running.server.openConnections == 0)
        #expect(throws: (any Error).self) { try RawHTTPClient(port: running.port) }
    }

    @Test func idlePartConnectionsAreClosed() async throws {
        let store = try Fixtures.store()
        try Fixtures.publish(store, segments: 0..<1)
        try await withRunningServer(store: store, configure: { $0.idleTimeoutSeconds = 0.3 }) { running in
            let client = try running.client()
            #expect(try client.request("GET", "/live/main/720p/part0.0.m4s").status == 200)
            let started = Date()
            #expect(client.waitForClose())
            #expect(Date().timeIntervalSince(started) < 3)
            try await waitUntil { running.server.openConnections == 0 }
        }
    }
}
