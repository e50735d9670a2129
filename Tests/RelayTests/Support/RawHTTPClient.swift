import Glibc

/// A deliberately plain HTTP/1.1 client over a blocking socket, so tests control exactly
/// what goes on the wire (pipelining, not reading, half-sent requests).
final class RawHTTPClient {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: self.body, as: UTF8.self) }
    }

    enum ClientError: Error {
        case connect(Int32)
        case closed
        case timeout
        case malformed(String)
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; reads give up after `timeoutSeconds`.
    init(port: Int, timeoutSeconds: Int = 10, receiveBufferBytes: Int? = nil) throws {
        self.descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard self.descriptor >= 0 else { throw ClientError.connect(errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(self.descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var receiveBufferBytes {
            setsockopt(self.descriptor, SOL_SOCKET, SO_RCVBUF, &receiveBufferBytes, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(self.descriptor)
            throw ClientError.connect(error)
        }
    }

    deinit { Glibc.close(self.descriptor) }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.send(self.descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw ClientError.closed }
            offset += written
        }
    }

    /// A request line plus headers, keep-alive.
    func sendRequest(_ method: String = "GET", _ path: String, headers: [String] = [], body: String = "") throws {
        var text = "\(method) \(path) HTTP/1.1\r\nhost: localhost\r\n"
        for header in headers { text += header + "\r\n" }
        if !body.isEmpty { text += "content-length: \(body.utf8.count)\r\n" }
        text += "\r\n" + body
        try self.send(text)
    }

    func request(_ method: String = "GET", _ path: String, headers: [String] = [], body: String = "") throws -> Response {
        try self.sendRequest(method, path, headers: headers, body: body)
        return try self.readResponse(isHead: method == "HEAD")
    }

    func readResponse(isHead: Bool = false) throws -> Response {
        let headerEnd = try self.fill(until: { buffer in Self.find([13, 10, 13, 10], in: buffer) })
        let headerText = String(decoding: self.buffer[..<headerEnd], as: UTF8.self)
        self.buffer.removeFirst(headerEnd + 4)
        var lines = headerText.split(separator: "\r\n").map(String.init)
        guard !lines.isEmpty else { throw ClientError.malformed(headerText) }
        let statusParts = lines.removeFirst().split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError.malformed(headerText) }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingSpaces()
        }
        let length = isHead ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        _ = try self.fill(until: { $0.count >= length ? length : nil })
        let body = Array(self.buffer[..<length])
        self.buffer.removeFirst(length)
        return Response(status: status, headers: headers, body: body)
    }

    /// True when the server closed the connection (EOF) within the timeout.
    func waitForClose() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    private func fill(until done: ([UInt8]) -> Int?) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let result = done(self.buffer) { return result }
            let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw ClientError.closed }
            if count < 0 { throw errno == EAGAIN ? ClientError.timeout : ClientError.closed }
            self.buffer.append(contentsOf: chunk[..<count])
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

extension Substring {
    func trimmingSpaces() -> String { String(self).trimmingSpaces() }
}
