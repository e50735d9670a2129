import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately small HTTP/1.1 client over a POSIX socket, so a test controls exactly what
/// goes on the wire (malformed paths are sent as written, not normalised), how fast the
/// answer is read (slow readers), and how long a blocking request may take.
enum HTTPClient {
    struct Response: CustomStringConvertible {
        var status: Int
        /// Header names lowercased.
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var description: String { "HTTP \(status) (\(body.count) bytes): \(text.prefix(300))" }
    }

    /// Sends one request with `Connection: close` and reads the whole answer. Runs on a
    /// dispatch thread: the socket calls block, Swift's shared executor must not.
    static func request(port: Int, _ target: String, method: String = "GET", body: String = "",
                        timeoutSeconds: Double = 15) async throws -> Response {
        try await onThread {
            let socket = try RawConnection(port: port, receiveTimeoutSeconds: timeoutSeconds)
            defer { socket.close() }
            var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
            if method == "POST" || !body.isEmpty { request += "Content-Length: \(body.utf8.count)\r\n" }
            request += "\r\n" + body
            try socket.send(request)
            let bytes = try socket.readToEnd()
            guard let response = parse(bytes) else {
                throw SetupError("\(method) \(target): no complete HTTP response (\(bytes.count) bytes: \(String(decoding: bytes.prefix(200), as: UTF8.self)))")
            }
            return response
        }
    }

    static func get(port: Int, _ target: String, timeoutSeconds: Double = 15) async throws -> Response {
        try await request(port: port, target, timeoutSeconds: timeoutSeconds)
    }

    /// Parses one response (head + `content-length` body) from the start of `bytes`.
    static func parse(_ bytes: [UInt8]) -> Response? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = bytes.indices.dropLast(3).first(where: { bytes[$0..<$0 + 4].elementsEqual(separator) }) else { return nil }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusFields = lines.first?.split(separator: " ") ?? []
        guard statusFields.count >= 2, let status = Int(statusFields[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(headEnd + 4)...])
        if let length = headers["content-length"].flatMap(Int.init) {
            guard body.count >= length else { return nil }
            body = Array(body.prefix(length))
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Runs blocking work on a dispatch thread and awaits it.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// One TCP connection to 127.0.0.1, blocking, with the receive buffer size and timeout a
/// test chooses. Closed by the test (`close()` is idempotent).
final class RawConnection: @unchecked Sendable {
    // @unchecked: one test task uses a connection at a time.
    private var descriptor: Int32

    init(port: Int, receiveBufferBytes: Int? = nil, receiveTimeoutSeconds: Double = 15) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SetupError("socket() failed: errno \(errno)") }
        if let receiveBufferBytes {
            // Set before connect, so the advertised window is small from the start.
            var size = Int32(receiveBufferBytes)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        setReceiveTimeout(receiveTimeoutSeconds)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(descriptor)
            descriptor = -1
            throw SetupError("connect to 127.0.0.1:\(port) failed: errno \(error)")
        }
    }

    /// How long a read waits for data before it gives up.
    func setReceiveTimeout(_ seconds: Double) {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(seconds.truncatingRemainder(dividingBy: 1) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw SetupError("send failed: errno \(errno)") }
            bytes = bytes.dropFirst(sent)
        }
    }

    /// Reads until the peer closes; a receive timeout is an error, and so is a reset before
    /// a whole response arrived (a reset right after one, as a closing server may send, is not).
    func readToEnd() throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return result }
            if count < 0, errno == ECONNRESET, HTTPClient.parse(result) != nil { return result }
            guard count > 0 else {
                throw SetupError("recv failed after \(result.count) bytes: errno \(errno)\(errno == EAGAIN ? " (timed out)" : "")")
            }
            result.append(contentsOf: buffer[..<count])
        }
    }

    /// Reads what arrives within the receive timeout (at most `limit` bytes); empty if nothing.
    func readAvailable(limit: Int = 65536) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    deinit { close() }
}
