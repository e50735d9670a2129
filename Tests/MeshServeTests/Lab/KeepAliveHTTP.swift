import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One persistent HTTP/1.1 connection to a box, the way a player keeps one: requests go out
/// one after another on the same socket, so the server's per-connection measurements
/// (`TCP_INFO`, the congestion window) follow one TCP flow as they would for a real player.
/// Reconnects once when the server closed the connection. Blocking; not thread-safe.
final class KeepAliveHTTP {
    let host: String
    let port: Int
    let userAgent: String
    private var fd: Int32 = -1
    /// Bytes read past the end of the previous response (none in practice: one request at a time).
    private var pending: [UInt8] = []

    init(host: String, port: Int, userAgent: String) {
        self.host = host
        self.port = port
        self.userAgent = userAgent
    }

    deinit { disconnect() }

    /// GET `target`; throws when no complete response arrives within `timeoutSeconds`.
    func get(_ target: String, timeoutSeconds: Double) throws -> (status: Int, body: [UInt8]) {
        do {
            return try exchange(target, timeoutSeconds: timeoutSeconds)
        } catch ConnectionClosed.beforeResponse {
            // The server closed an idle keep-alive connection: one retry on a fresh one.
            disconnect()
            return try exchange(target, timeoutSeconds: timeoutSeconds)
        }
    }

    func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        pending = []
    }

    private enum ConnectionClosed: Error { case beforeResponse }

    private func exchange(_ target: String, timeoutSeconds: Double) throws -> (status: Int, body: [UInt8]) {
        if fd < 0 { try connectSocket() }
        let request = "GET \(target) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: \(userAgent)\r\n\r\n"
        let sent = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        guard sent == request.utf8.count else { throw ConnectionClosed.beforeResponse }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var data = pending
        pending = []
        // Head.
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find(data, [13, 10, 13, 10])
            if headEnd != nil { break }
            guard try receive(into: &data, deadline: deadline) else {
                if data.isEmpty { throw ConnectionClosed.beforeResponse }
                throw TestFailure("connection closed mid-head for \(target)")
            }
        }
        guard let end = headEnd, data.count >= 12 else { throw TestFailure("short response head for \(target)") }
        let head = String(decoding: data[..<end], as: UTF8.self)
        let status = Int(String(decoding: data[9..<12], as: UTF8.self)) ?? 0
        let length = head.split(separator: "\r\n").dropFirst().compactMap { line -> Int? in
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].lowercased() == "content-length" else { return nil }
            return Int(pair[1].trimmingCharacters(in: .whitespaces))
        }.first
        guard let length else { throw TestFailure("no content-length for \(target): \(head)") }
        let bodyStart = end + 4
        while data.count < bodyStart + length {
            guard try receive(into: &data, deadline: deadline) else { throw TestFailure("connection closed mid-body for \(target)") }
        }
        pending = Array(data[(bodyStart + length)...])
        if head.lowercased().contains("connection: close") { disconnect() }
        return (status, Array(data[bodyStart..<(bodyStart + length)]))
    }

    /// Appends what the socket has; false when the peer closed it. Throws past the deadline.
    private func receive(into data: inout [UInt8], deadline: Date) throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                data += buffer[..<n]
                return true
            }
            if n == 0 { return false }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return false }
            if Date() > deadline {
                disconnect()
                throw TestFailure("no response from \(host):\(port) in time")
            }
        }
    }

    private func connectSocket() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        // Short receive timeouts, so the overall deadline is checked often.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = connectIPv4(fd, host: host, port: port)
        guard connected else {
            disconnect()
            throw TestFailure("connect to \(host):\(port) failed: errno \(errno)")
        }
    }

    private static func find(_ data: [UInt8], _ pattern: [UInt8]) -> Int? {
        guard data.count >= pattern.count else { return nil }
        return (0...(data.count - pattern.count)).first { start in pattern.indices.allSatisfy { data[start + $0] == pattern[$0] } }
    }
}
