import Glibc

/// A blocking HTTP/1.1 client that can tell when a response's first byte arrives.
final class BenchClient {
    enum Failure: Error { case connect, closed, malformed }

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 256 * 1024)

    init(port: Int) throws {
        self.descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var noDelay: Int32 = 1
        setsockopt(self.descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw Failure.connect }
    }

    deinit { close(self.descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.send(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            throw Failure.closed
        }
    }

    /// Returns once at least one byte of the response is buffered.
    func awaitFirstByte() throws {
        if self.buffer.isEmpty { try self.receive() }
    }

    /// Reads the rest of one response (headers, then content-length bytes).
    func drainResponse() throws {
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = Self.find(self.buffer)
            if headerEnd == nil { try self.receive() }
        }
        let head = String(decoding: self.buffer[..<headerEnd!], as: UTF8.self).lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) else {
            throw Failure.malformed
        }
        let length = Int(line.dropFirst("content-length:".count).filter { $0 != " " }) ?? 0
        let total = headerEnd! + 4 + length
        while self.buffer.count < total { try self.receive() }
        self.buffer.removeFirst(total)
    }

    private func receive() throws {
        let count = self.chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw Failure.closed }
        self.buffer.append(contentsOf: self.chunk[..<count])
    }

    private static func find(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
