import Glibc
import NIOCore

/// The server's listening TCP socket, non-blocking, owned by the first ``PartLoop`` (which
/// accepts on it) rather than by NIO, so that accepted connections start on the fast path.
final class ListeningSocket: Sendable {
    let descriptor: CInt
    /// The bound port (the one the kernel picked when asked for port 0).
    let port: Int

    /// Binds `host:port` (a name is resolved) and listens.
    init(host: String, port: Int, backlog: Int32) throws {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let family = address.protocol.rawValue
        let descriptor = socket(family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ListeningSocketError(call: "socket", host: host, port: port, errno: errno) }
        var one: CInt = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        let bound = address.withSockAddr { bind(descriptor, $0, socklen_t($1)) }
        guard bound == 0, listen(descriptor, backlog) == 0 else {
            let failure = ListeningSocketError(call: bound == 0 ? "listen" : "bind", host: host, port: port, errno: errno)
            close(descriptor)
            throw failure
        }
        self.descriptor = descriptor
        self.port = Self.boundPort(descriptor) ?? port
    }

    deinit {
        close(self.descriptor)
    }

    private static func boundPort(_ descriptor: CInt) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        return withUnsafeBytes(of: storage) { raw in
            // sin_port and sin6_port are both the 16-bit word after the family.
            Int(UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        }
    }
}

/// The listener could not be set up: which call failed, for which address, and why.
public struct ListeningSocketError: Error, CustomStringConvertible {
    public let call: String
    public let host: String
    public let port: Int
    public let errno: CInt

    public var description: String {
        "\(call) \(host):\(port) failed: \(String(cString: strerror(self.errno)))"
            + (self.errno == EADDRINUSE ? " (another process listens there: stop it or pick another port)" : "")
    }
}
