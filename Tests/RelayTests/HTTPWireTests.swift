import NIOCore
import Testing

@testable import Relay

/// The server's own HTTP/1.1 codec on the wire, and parts sent from sealed files.
@Suite("HTTP wire", .serialized)
struct HTTPWireTests {
    @Test(arguments: [true, false])
    func partsAreTheSameFromSealedFilesAndBuffers(_ sealed: Bool) async throws {
        let store = try Fixtures.store(configuration: ChunkStoreConfiguration(sealedPartFiles: sealed))
        try Fixtures.publish(store, segments: 0..<2, size: 70_000)
        try await withRunningServer(store: store) { running in
            let client = try running.client()
            let part = try client.request("GET", "/live/main/720p/part1.2.m4s")
            #expect(part.status == 200)
            #expect(part.body == Fixtures.payload(1, 2, size: 70_000))
            #expect(part.headers["cache-control"] == "public, max-age=31536000, immutable")
            let segment = try client.request("GET", "/live/main/360p/seg0.m4s")
            #expect(segment.body == (0..<4).flatMap { Fixtures.payload(0, $0, size: 70_000) })
            let head = try client.request("HEAD", "/live/main/720p/part1.2.m4s")
            #expect(head.headers["content-length"] == "70000" && head.body.isEmpty)

            // HTTP/1.0 gets its own head in front of the same bytes, then the close.
            let old = try running.client()
            try old.send("GET /live/main/720p/part0.1.m4s HTTP/1.0\r\n\r\n")
            let answer = try old.readResponse()
            #expect(answer.status == 200 && answer.headers["connection"] == "close")
            #expect(answer.body == Fixtures.payload(0, 1, size: 70_000))
            #expect(old.waitForClose())
        }
    }

    @Test func chunkedAndPipelinedBodiesReachTheAdminHandler() async throws {
        try await withRunningServer(store: try Fixtures.store()) { running in
            running.server.setAdminHandler { request, eventLoop in
                eventLoop.makeSucceededFuture(AdminResponse(status: .ok, text: "\(request.path) \(String(buffer: request.body))"))
            }
            let client = try running.client()
            try client.send(
                "POST /admin/v1/a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
                    + "POST /admin/v1/b HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nwxyz"
                    + "GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n"
            )
            #expect(try client.readResponse().text == "/admin/v1/a abcde")
            #expect(try client.readResponse().text == "/admin/v1/b wxyz")
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func idleConnectionsAreClosed() async throws {
        try await withRunningServer(store: try Fixtures.store(), configure: { $0.idleTimeoutSeconds = 0.3 }) { running in
            let client = try running.client(timeoutSeconds: 5)
            #expect(try client.request("GET", "/healthz").status == 200)
            let started = Fixtures.monotonicSeconds()
            #expect(client.waitForClose())
            #expect(Fixtures.monotonicSeconds() - started < 3)
        }
    }

    @Test func anOversizedHeadIs400AndClosed() async throws {
        try await withRunningServer(store: try Fixtures.store()) { running in
            let client = try running.client()
            try client.send("GET /healthz HTTP/1.1\r\nx-big: " + String(repeating: "a", count: HTTPRequestParser.maxHeadBytes + 10))
            #expect(try client.readResponse().status == 400)
            #expect(client.waitForClose())
            // A head split over many small writes is still one request.
            let slow = try running.client()
            for piece in ["GE", "T /hea", "lthz HTTP/1.1\r", "\nhost: x\r\n", "\r\n"] {
                try slow.send(piece)
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(try slow.readResponse().status == 200)
        }
    }
}
