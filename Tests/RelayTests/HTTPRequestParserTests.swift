import NIOCore
import NIOHTTP1
import Testing

@testable import Relay

@Suite("HTTP request parser")
struct HTTPRequestParserTests {
    private func head(_ text: String) throws -> (RequestHead, BodyFraming, rest: String)? {
        var buffer = ByteBuffer(string: text)
        guard case .head(let head, let framing) = try HTTPRequestParser.parseHead(&buffer) else { return nil }
        return (head, framing, String(buffer: buffer))
    }

    @Test func parsesAHeadAndLeavesPipelinedBytes() throws {
        let parsed = try #require(try self.head("GET /live/main/720p/part1.2.m4s HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\nGET /b HTTP/1.1\r\n"))
        #expect(parsed.0.method == .GET)
        #expect(parsed.0.uri == "/live/main/720p/part1.2.m4s")
        #expect(parsed.0.version == .http1_1)
        #expect(parsed.0.isKeepAlive)
        #expect(parsed.0.headers.first(name: "user-agent") == "t")
        #expect(parsed.0.headers.first(name: "host") == "x")
        #expect(parsed.1 == .none)
        #expect(parsed.rest == "GET /b HTTP/1.1\r\n")
    }

    @Test func waitsForTheWholeHead() throws {
        #expect(try self.head("GET / HTTP/1.1\r\nHost: x\r\n") == nil)
        #expect(try self.head("GET / HT") == nil)
    }

    @Test func keepAliveFollowsVersionAndConnection() throws {
        #expect(try #require(try self.head("GET / HTTP/1.0\r\n\r\n")).0.isKeepAlive == false)
        #expect(try #require(try self.head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")).0.isKeepAlive)
        #expect(try #require(try self.head("GET / HTTP/1.1\r\nconnection: foo, close\r\n\r\n")).0.isKeepAlive == false)
        // Bare LF line ends and empty lines before the request line are accepted.
        #expect(try #require(try self.head("\r\nHEAD /x HTTP/1.1\nHost: y\n\n")).0.method == .HEAD)
    }

    @Test func framesBodies() throws {
        #expect(try #require(try self.head("POST /a HTTP/1.1\r\nContent-Length: 12\r\n\r\n")).1 == .length(12))
        #expect(try #require(try self.head("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")).1 == .chunked)

        var buffer = ByteBuffer(string: "4;ext=1\r\nwiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\nNEXT")
        var reader = RequestBodyReader(.chunked)
        var body = ""
        try reader.read(&buffer) { body += String(buffer: $0) }
        #expect(reader.isDone)
        #expect(body == "wikipedia")
        #expect(String(buffer: buffer) == "NEXT")

        // Split anywhere, the same body comes out.
        let whole = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        var split = RequestBodyReader(.chunked)
        var pending = ByteBuffer()
        var splitBody = ""
        for byte in whole.utf8 {
            pending.writeInteger(byte)
            try split.read(&pending) { splitBody += String(buffer: $0) }
        }
        #expect(split.isDone && splitBody == "abcde")
    }

    @Test(arguments: [
        "NOT HTTP AT ALL\r\n\r\n", "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET / HTTP/1.1 \r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nX: a\u{1}b\r\n\r\n", "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    ])
    func refusesMalformedHeads(_ text: String) {
        #expect(throws: RequestParseError.self) { _ = try self.head(text) }
    }

    @Test func refusesAnOversizedHead() {
        let text = "GET /" + String(repeating: "a", count: HTTPRequestParser.maxHeadBytes) + " HTTP/1.1\r\n"
        #expect(throws: RequestParseError.headTooLarge) { _ = try self.head(text) }
    }

    @Test func writesResponseHeads() {
        var buffer = ByteBuffer()
        buffer.writeResponseHead(
            version: .http1_0, status: .notFound, contentType: "text/plain", contentLength: 10, cacheControl: nil,
            extraHeaders: [("allow", "GET")], keepAlive: true
        )
        #expect(String(buffer: buffer) == "HTTP/1.0 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 10\r\nallow: GET\r\nconnection: keep-alive\r\n\r\n")
        #expect(String(buffer: PartResponse.head(payloadBytes: 65_536)).hasPrefix("HTTP/1.1 200 OK\r\ncontent-type: video/iso.segment\r\ncontent-length: 65536\r\n"))
    }
}
