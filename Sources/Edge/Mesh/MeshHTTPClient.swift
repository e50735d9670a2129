import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The puller's HTTP/1.1 client: blocking sockets on the puller's own threads, one
/// connection per request, every step bounded by a timeout (connect, send, each read).
/// Reads `Content-Length` bodies only (what mutstream's server sends), at most
/// ``maximumBodyBytes``.
enum MeshHTTPClient {
    static let maximumBodyBytes = 64 << 20

    /// Where a peer listens, from its base URL (`http://host:port`).
    struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        var host: String
        var port: Int

        init?(baseURL: String) {
            guard let url = URL(string: baseURL), url.scheme == "http", let host = url.host, !host.isEmpty else { return nil }
            self.host = host
            self.port = url.port ?? 80
        }

        var description: String { "\(host):\(port)" }
    }

    struct Response {
        var status: Int
        var body: [UInt8]
        /// Bytes the exchange put on the connection, both ways: request, response head and body.
        var wireBytes = 0
    }

    enum Failure: Error, CustomStringConvertible {
        case connect(String)
        case timedOut
        case closed
        case malformed(String)

        var description: String {
            switch self {
            case .connect(let why): "connect: \(why)"
            case .timedOut: "timed out"
            case .closed: "connection closed early"
            case .malformed(let why): "malformed response: \(why)"
            }
        }
    }

    /// GET `target` (path and query) from `endpoint`.
    static func get(_ endpoint: Endpoint, target: String, authorization: String?, headers: [(String, String)] = [],
                    timeoutSeconds: Double) throws(Failure) -> Response {
        try request(endpoint, method: "GET", target: target, authorization: authorization, headers: headers, body: nil,
                    timeoutSeconds: timeoutSeconds)
    }

    /// One request on its own connection. `cancellation` aborts it from another thread (it
    /// then throws `.closed`); `onBodyBytes` hears of every piece of the body as it arrives
    /// (the puller's silence detection and throughput samples).
    static func request(
        _ endpoint: Endpoint, method: String, target: String, authorization: String?, headers: [(String, String)] = [],
        body: [UInt8]?, timeoutSeconds: Double,
        cancellation: RequestCancellation? = nil, onBodyBytes: ((Int) -> Void)? = nil
    ) throws(Failure) -> Response {
        let fd = try connect(endpoint, timeoutSeconds: min(timeoutSeconds, 3))
        defer {
            cancellation?.detach()
            close(fd)
        }
        if let cancellation, !cancellation.attach(fd) { throw .closed }
        var timeout = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - Double(Int(timeoutSeconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(endpoint)\r\nConnection: close\r\n"
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + (body ?? [])
        try sendAll(fd, request)
        var response = try readResponse(fd, onBodyBytes: onBodyBytes)
        response.wireBytes += request.count
        return response
    }

    private static func connect(_ endpoint: Endpoint, timeoutSeconds: Double) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list) == 0, let info = list else {
            throw .connect("cannot resolve \(endpoint.host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .connect("socket: errno \(errno)") }
        // Non-blocking connect, so an unreachable peer (link down) costs at most the timeout.
        if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                let e = errno
                close(fd)
                throw .connect(String(cString: strerror(e)))
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, Int32(timeoutSeconds * 1000)) == 1 else {
                close(fd)
                throw .timedOut
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                close(fd)
                throw .connect(String(cString: strerror(error)))
            }
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~Int32(O_NONBLOCK))
        return fd
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw errno == EAGAIN ? .timedOut : .closed }
            offset += n
        }
    }

    private static func readResponse(_ fd: Int32, onBodyBytes: ((Int) -> Void)?) throws(Failure) -> Response {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var headerEnd: Int?
        var status = 0
        var length = -1
        while true {
            if headerEnd == nil, let end = findHeaderEnd(buffer) {
                headerEnd = end
                (status, length) = try parseHead(buffer[..<end])
                guard length <= maximumBodyBytes else { throw .malformed("body of \(length) bytes") }
            }
            if let end = headerEnd, buffer.count - end >= length {
                return Response(status: status, body: Array(buffer[end..<(end + length)]), wireBytes: end + length)
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed }
            if n == 0 { throw .closed }
            let bodyBefore = headerEnd.map { buffer.count - $0 } ?? 0
            buffer.append(contentsOf: chunk[..<n])
            if let onBodyBytes {
                let end = headerEnd ?? findHeaderEnd(buffer)
                if let end, buffer.count - end > bodyBefore { onBodyBytes(buffer.count - end - bodyBefore) }
            }
            if headerEnd == nil, buffer.count > 64 * 1024 { throw .malformed("header too long") }
        }
    }

    private static func findHeaderEnd(_ buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private static func parseHead(_ head: ArraySlice<UInt8>) throws(Failure) -> (status: Int, length: Int) {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        guard let first = lines.first, first.hasPrefix("HTTP/1."), first.count >= 12, let status = Int(first.dropFirst(9).prefix(3)) else {
            throw .malformed("status line")
        }
        var length = 0
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased()
            if name == "content-length" {
                guard let value = Int(parts[1].trimmingCharacters(in: .whitespaces)), value >= 0 else { throw .malformed("content-length") }
                length = value
            } else if name == "transfer-encoding" {
                throw .malformed("chunked transfer encoding is not read")
            }
        }
        return (status, length)
    }
}
