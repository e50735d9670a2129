import NIOCore
import NIOHTTP1

extension ByteBuffer {
    /// Writes an HTTP/1.x response head: status line, `content-type`, `content-length`,
    /// `cache-control` (when given), the extra headers, and `connection` when it differs from
    /// the version's default. Header names are lowercase constants, values the server's own,
    /// so nothing is validated here.
    mutating func writeResponseHead(
        version: HTTPVersion, status: HTTPResponseStatus, contentType: String, contentLength: Int,
        cacheControl: String?, extraHeaders: [(String, String)], keepAlive: Bool
    ) {
        let isHTTP10 = version.major == 1 && version.minor == 0
        self.writeStaticString(isHTTP10 ? "HTTP/1.0 " : "HTTP/1.1 ")
        if status == .ok {
            self.writeStaticString("200 OK\r\n")
        } else {
            self.writeDecimal(Int(status.code))
            self.writeStaticString(" ")
            self.writeString(status.reasonPhrase)
            self.writeStaticString("\r\n")
        }
        self.writeStaticString("content-type: ")
        self.writeString(contentType)
        self.writeStaticString("\r\ncontent-length: ")
        self.writeDecimal(contentLength)
        if let cacheControl {
            self.writeStaticString("\r\ncache-control: ")
            self.writeString(cacheControl)
        }
        for (name, value) in extraHeaders {
            self.writeStaticString("\r\n")
            self.writeString(name)
            self.writeStaticString(": ")
            self.writeString(value)
        }
        if !keepAlive {
            self.writeStaticString("\r\nconnection: close")
        } else if isHTTP10 {
            self.writeStaticString("\r\nconnection: keep-alive")
        }
        self.writeStaticString("\r\n\r\n")
    }

    /// Writes a non-negative integer in decimal without going through a `String`.
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any Int
        withUnsafeMutableBytes(of: &digits) { raw in
            var remaining = value
            var index = raw.count
            repeat {
                index -= 1
                raw[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            } while remaining > 0
            self.writeBytes(UnsafeRawBufferPointer(rebasing: raw[index...]))
        }
    }
}

/// The answer to a `GET` of a part, as far as it is the same for every request.
enum PartResponse {
    /// The head of a `200` to an HTTP/1.1 keep-alive `GET` of a part of `payloadBytes`: what
    /// ``HTTPConnectionHandler/respond(context:status:contentType:cacheControl:body:extraHeaders:)``
    /// writes for it, byte for byte, so the store can keep it in front of the payload.
    static func head(payloadBytes: Int) -> ByteBuffer {
        var head = ByteBuffer()
        head.writeResponseHead(
            version: .http1_1, status: .ok, contentType: ServerContext.mediaType, contentLength: payloadBytes,
            cacheControl: ServerContext.immutableCacheControl, extraHeaders: [], keepAlive: true
        )
        return head
    }

    /// Whether a response is the one ``head(payloadBytes:)`` describes.
    static func isStoredHead(
        version: HTTPVersion, status: HTTPResponseStatus, contentType: String, cacheControl: String?,
        extraHeaders: [(String, String)], keepAlive: Bool
    ) -> Bool {
        version == .http1_1 && status == .ok && keepAlive && extraHeaders.isEmpty
            && contentType == ServerContext.mediaType && cacheControl == ServerContext.immutableCacheControl
    }
}
