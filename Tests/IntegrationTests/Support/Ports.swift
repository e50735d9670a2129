import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Local ports for live sources: free ones to listen on, and whether a listener is up yet.
enum Ports {
    enum Transport { case tcp, udp }

    /// A port the kernel reports free right now (bind to port 0 on 127.0.0.1, read it back).
    static func free(_ transport: Transport) throws -> Int {
        let fd = socket(AF_INET, transport == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw SetupError("bind() failed: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw SetupError("getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// True when some socket listens on (TCP) or is bound to (UDP) `port`, from /proc/net.
    /// Reading the kernel's table, not connecting, so the one-shot listener is not consumed.
    static func isListening(_ port: Int, _ transport: Transport) -> Bool {
        let tables = transport == .tcp ? ["/proc/net/tcp", "/proc/net/tcp6"] : ["/proc/net/udp", "/proc/net/udp6"]
        let wanted = String(format: "%04X", port)
        for table in tables {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 3, let local = fields[1].split(separator: ":").last else { continue }
                // TCP state 0A is LISTEN; a bound UDP socket is enough.
                if local == wanted, transport == .udp || fields[3] == "0A" { return true }
            }
        }
        return false
    }

    /// Waits until `isListening`; throws after `timeoutSeconds`.
    static func waitUntilListening(_ port: Int, _ transport: Transport, timeoutSeconds: Double = 15) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !isListening(port, transport) {
            guard Date() < deadline else { throw SetupError("nothing listening on port \(port) after \(timeoutSeconds) s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
