import Glibc
import NIOCore
import NIOHTTP1

/// How a request's body is delimited.
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
}

/// Why a request was refused before routing (each is a 400 and a closed connection).
enum RequestParseError: Error, Equatable {
    case malformedRequestLine
    case unsupportedVersion
    case malformedHeader
    case headTooLarge
    case badFraming
}

/// The server's own HTTP/1.0 and 1.1 request-head parser (RFC 9112 §2–6), in place of
/// NIO's codec, whose per-request cost (a pipeline of four handlers, header strings,
/// boxed parts) was most of what serving a part cost in user space.
///
/// It reads a head only when one is complete in the buffer, so the caller keeps unparsed
/// bytes (pipelined requests) in its read buffer until it has answered the current one.
/// Strict where leniency has bitten servers: CR LF or bare LF line ends only, no obs-fold,
/// no whitespace before a header colon, one `Content-Length` value, and `Transfer-Encoding`
/// only as `chunked` without a `Content-Length` (request smuggling).
enum HTTPRequestParser {
    /// Largest head (request line and headers) accepted; a longer one is a 400.
    static let maxHeadBytes = 64 * 1024
    /// Most header lines accepted.
    static let maxHeaderLines = 128

    enum Step {
        /// No complete head yet.
        case needMore
        /// A head and how its body is framed; the head's bytes were consumed.
        case head(RequestHead, BodyFraming)
    }

    /// Consumes one request head from the front of `buffer` if it is complete.
    static func parseHead(_ buffer: inout ByteBuffer) throws(RequestParseError) -> Step {
        let scanned = buffer.withUnsafeReadableBytes { bytes in
            Result<Scan?, RequestParseError> { () throws(RequestParseError) -> Scan? in try Self.scan(bytes) }
        }
        guard let scan = try scanned.get() else {
            if buffer.readableBytes > Self.maxHeadBytes { throw .headTooLarge }
            return .needMore
        }
        let start = buffer.readerIndex
        let method = Self.method(buffer.getSlice(at: start + scan.method.lowerBound, length: scan.method.count)!)
        let uri = buffer.getString(at: start + scan.target.lowerBound, length: scan.target.count)!
        let headerLines = buffer.getSlice(at: start + scan.headers.lowerBound, length: scan.headers.count)!
        buffer.moveReaderIndex(forwardBy: scan.headEnd)
        let isKeepAlive = scan.connectionClose ? false : (scan.connectionKeepAlive || scan.version.minor == 1)
        let framing: BodyFraming = scan.chunked ? .chunked : (scan.contentLength.map { $0 > 0 ? .length($0) : .none } ?? .none)
        let head = RequestHead(method: method, uri: uri, version: scan.version, isKeepAlive: isKeepAlive, headerLines: headerLines)
        return .head(head, framing)
    }

    private static func method(_ bytes: ByteBuffer) -> HTTPMethod {
        let view = bytes.readableBytesView
        if view.elementsEqual("GET".utf8) { return .GET }
        if view.elementsEqual("HEAD".utf8) { return .HEAD }
        if view.elementsEqual("POST".utf8) { return .POST }
        return HTTPMethod(rawValue: String(buffer: bytes))
    }

    /// What a scan of a complete head found (offsets from the start of the scanned bytes).
    struct Scan {
        var method: Range<Int>
        var target: Range<Int>
        var version: HTTPVersion
        var headers: Range<Int>
        var headEnd: Int
        var contentLength: Int?
        var chunked = false
        var connectionClose = false
        var connectionKeepAlive = false
    }

    /// Validates the head at the front of `bytes` and finds its parts; nil when the head is
    /// not complete yet. ``PartLoop`` scans its own read buffer with it.
    static func scan(_ bytes: UnsafeRawBufferPointer) throws(RequestParseError) -> Scan? {
        let limit = min(bytes.count, Self.maxHeadBytes)
        var position = 0
        // RFC 9112 §2.2: ignore empty lines before the request line.
        while position < limit, bytes[position] == UInt8(ascii: "\r") || bytes[position] == UInt8(ascii: "\n") { position += 1 }
        guard let lineEnd = Self.lineEnd(bytes, from: position, limit: limit) else { return nil }

        // Request line: method SP target SP HTTP/1.x
        let lineStart = position
        let line = lineStart..<lineEnd.contentEnd
        guard let firstSpace = Self.index(of: UInt8(ascii: " "), in: bytes, line), firstSpace > lineStart,
              let secondSpace = Self.index(of: UInt8(ascii: " "), in: bytes, (firstSpace + 1)..<line.upperBound),
              secondSpace > firstSpace + 1
        else { throw .malformedRequestLine }
        for index in lineStart..<firstSpace where !Self.isTokenByte(bytes[index]) { throw .malformedRequestLine }
        for index in (firstSpace + 1)..<secondSpace where !(0x21...0x7E).contains(bytes[index]) { throw .malformedRequestLine }
        let versionBytes = UnsafeRawBufferPointer(rebasing: bytes[(secondSpace + 1)..<line.upperBound])
        guard versionBytes.count == 8, versionBytes.starts(with: "HTTP/1.".utf8) else {
            throw versionBytes.starts(with: "HTTP/".utf8) ? .unsupportedVersion : .malformedRequestLine
        }
        let version: HTTPVersion
        switch versionBytes[7] {
        case UInt8(ascii: "1"): version = .http1_1
        case UInt8(ascii: "0"): version = .http1_0
        default: throw .unsupportedVersion
        }

        var scan = Scan(
            method: lineStart..<firstSpace, target: (firstSpace + 1)..<secondSpace, version: version,
            headers: lineEnd.next..<lineEnd.next, headEnd: 0
        )
        position = lineEnd.next
        var lines = 0
        while true {
            guard let end = Self.lineEnd(bytes, from: position, limit: limit) else { return nil }
            if end.contentEnd == position {
                scan.headers = scan.headers.lowerBound..<position
                scan.headEnd = end.next
                break
            }
            lines += 1
            guard lines <= Self.maxHeaderLines else { throw .headTooLarge }
            try Self.header(bytes, position..<end.contentEnd, into: &scan)
            position = end.next
        }
        if scan.chunked && scan.contentLength != nil { throw .badFraming }
        return scan
    }

    /// Validates one header line and notes the ones that frame the body or the connection.
    private static func header(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>, into scan: inout Scan) throws(RequestParseError) {
        guard let colon = Self.index(of: UInt8(ascii: ":"), in: bytes, line), colon > line.lowerBound else { throw .malformedHeader }
        for index in line.lowerBound..<colon where !Self.isTokenByte(bytes[index]) { throw .malformedHeader }
        var valueStart = colon + 1
        var valueEnd = line.upperBound
        for index in valueStart..<valueEnd {
            let byte = bytes[index]
            if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F { throw .malformedHeader }
        }
        while valueStart < valueEnd, bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t") { valueStart += 1 }
        while valueEnd > valueStart, bytes[valueEnd - 1] == UInt8(ascii: " ") || bytes[valueEnd - 1] == UInt8(ascii: "\t") { valueEnd -= 1 }
        let name = UnsafeRawBufferPointer(rebasing: bytes[line.lowerBound..<colon])
        let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
        switch name.count {
        case 14 where Self.equalsLowercased(name, "content-length"):
            guard (1...18).contains(value.count), value.allSatisfy({ (0x30...0x39).contains($0) }) else { throw .badFraming }
            let length = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            if let known = scan.contentLength, known != length { throw .badFraming }
            scan.contentLength = length
        case 17 where Self.equalsLowercased(name, "transfer-encoding"):
            guard Self.equalsLowercased(value, "chunked"), !scan.chunked else { throw .badFraming }
            scan.chunked = true
        case 10 where Self.equalsLowercased(name, "connection"):
            for token in value.split(separator: UInt8(ascii: ",")) {
                let trimmed = token.drop { $0 == UInt8(ascii: " ") }.reversed().drop { $0 == UInt8(ascii: " ") }.reversed()
                let tokenBytes = Array(trimmed)
                tokenBytes.withUnsafeBytes { token in
                    if Self.equalsLowercased(token, "close") { scan.connectionClose = true }
                    if Self.equalsLowercased(token, "keep-alive") { scan.connectionKeepAlive = true }
                }
            }
        default:
            break
        }
    }

    /// End of the line starting at `start`: where its content ends (before CR LF or LF) and
    /// where the next line starts; nil when no LF is within `limit`.
    private static func lineEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, limit: Int) -> (contentEnd: Int, next: Int)? {
        guard let newline = Self.index(of: UInt8(ascii: "\n"), in: bytes, start..<limit) else { return nil }
        let contentEnd = newline > start && bytes[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
        return (contentEnd, newline + 1)
    }

    private static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + range.lowerBound, Int32(byte), range.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// RFC 9110 §5.6.2 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// ASCII case-insensitive comparison against a lowercase literal.
    private static func equalsLowercased(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for index in 0..<bytes.count {
            var byte = bytes[index]
            if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) { byte |= 0x20 }
            if byte != expected[index] { return false }
        }
        return true
    }
}
