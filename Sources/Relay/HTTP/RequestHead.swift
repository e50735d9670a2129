import NIOCore
import NIOHTTP1

/// A parsed HTTP/1.x request head (see ``HTTPRequestParser``).
///
/// Header lines are kept as the bytes they arrived in (a slice of the read buffer, not a
/// copy) and turned into `HTTPHeaders` only when asked: a media request never looks at them,
/// and building them was a string allocation per header per request.
struct RequestHead {
    var method: HTTPMethod
    /// The request target as sent (`/path?query`).
    var uri: String
    var version: HTTPVersion
    /// Whether the client keeps the connection after this request (version default,
    /// overridden by `Connection: close` / `Connection: keep-alive`).
    var isKeepAlive: Bool
    /// The header lines, `name: value` each ending in LF or CRLF, validated by the parser.
    var headerLines: ByteBuffer

    /// The headers, parsed from ``headerLines`` on each call.
    var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        var lines = self.headerLines
        while let line = lines.readLine() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = line[(colon + 1)...].trimmingOptionalWhitespace()
            headers.add(name: name, value: String(decoding: value, as: UTF8.self))
        }
        return headers
    }
}

extension ByteBuffer {
    /// Reads one line (without its LF or CRLF); nil when no complete line is left.
    fileprivate mutating func readLine() -> ArraySlice<UInt8>? {
        guard let newline = self.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var bytes = self.readBytes(length: newline - self.readerIndex + 1)![...]
        bytes.removeLast()
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes
    }
}

extension ArraySlice<UInt8> {
    fileprivate func trimmingOptionalWhitespace() -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = self.firstIndex(where: { !isSpace($0) }), let last = self.lastIndex(where: { !isSpace($0) }) else {
            return []
        }
        return self[first...last]
    }
}
