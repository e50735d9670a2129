import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One blocking TCP socket owned by the gate: closed in `deinit`, so a socket shared by
/// its relay thread and the gate's stop path is closed once both let go. `shutdown` from
/// another thread wakes a blocked `recv`, `send` or `poll`.
final class TCPSocket: @unchecked Sendable {
    // @unchecked: `descriptor` is immutable; the kernel serialises calls on it. Whoever
    // calls `close()` first makes sure no other thread still uses the socket.
    let descriptor: Int32
    private let isClosed = Atomic<Bool>(false)

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close() }

    /// Releases the descriptor (once); later calls do nothing.
    func close() {
        if !isClosed.exchange(true, ordering: .acquiringAndReleasing) { _ = Glibc.close(descriptor) }
    }

    /// A listening socket on `host:port` (numeric IPv4/IPv6, or a name), SO_REUSEADDR so a
    /// reload can bind again at once.
    static func listen(host: String, port: Int, backlog: Int32 = 16) throws(SocketError) -> TCPSocket {
        try withAddress(host: host, port: port, passive: true) { (address, length, family) throws(SocketError) in
            let socket = try TCPSocket.make(family: family)
            var one: Int32 = 1
            setsockopt(socket.descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            guard bind(socket.descriptor, address, length) == 0 else { throw SocketError("bind \(host):\(port)") }
            guard Glibc.listen(socket.descriptor, backlog) == 0 else { throw SocketError("listen on \(host):\(port)") }
            return socket
        }
    }

    /// Connects to `host:port`; fails at once when nothing listens there.
    static func connect(host: String, port: Int) throws(SocketError) -> TCPSocket {
        try withAddress(host: host, port: port, passive: false) { (address, length, family) throws(SocketError) in
            let socket = try TCPSocket.make(family: family)
            guard Glibc.connect(socket.descriptor, address, length) == 0 else { throw SocketError("connect to \(host):\(port)") }
            socket.setSendTimeout(seconds: 10)
            return socket
        }
    }

    /// Waits up to `timeoutMilliseconds` for a connection; nil on timeout.
    func accept(timeoutMilliseconds: Int32) throws(SocketError) -> (socket: TCPSocket, remoteAddress: String)? {
        guard try poll(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let accepted = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
        }
        guard accepted >= 0 else {
            if errno == EAGAIN || errno == EINTR || errno == ECONNABORTED { return nil }
            throw SocketError("accept")
        }
        let socket = TCPSocket(descriptor: accepted)
        socket.setSendTimeout(seconds: 10)
        return (socket, Self.numericHost(&storage))
    }

    /// True when readable (or closed, or in error) within `timeoutMilliseconds`.
    func poll(timeoutMilliseconds: Int32) throws(SocketError) -> Bool {
        try Self.poll([self], timeoutMilliseconds: timeoutMilliseconds)[0]
    }

    /// Which of `sockets` are readable (or closed, or in error) within `timeoutMilliseconds`.
    static func poll(_ sockets: [TCPSocket], timeoutMilliseconds: Int32) throws(SocketError) -> [Bool] {
        var entries = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        let ready = Glibc.poll(&entries, nfds_t(entries.count), timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return sockets.map { _ in false } }
            throw SocketError("poll")
        }
        return entries.map { $0.revents != 0 }
    }

    /// Reads what is there (at most `capacity` bytes); empty at end of stream.
    func receive(capacity: Int = 64 * 1024) throws(SocketError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, capacity, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            if errno != EINTR { throw SocketError("recv") }
        }
    }

    /// Writes all of `bytes` (blocking, up to the send timeout).
    func send(_ bytes: ArraySlice<UInt8>) throws(SocketError) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SocketError("send")
            }
            sent += count
        }
    }

    /// Ends both directions and wakes any thread blocked on the socket.
    func shutdownBoth() { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }

    private func setSendTimeout(seconds: Int) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func make(family: Int32) throws(SocketError) -> TCPSocket {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("socket") }
        return TCPSocket(descriptor: descriptor)
    }

    private static func withAddress<T>(
        host: String, port: Int, passive: Bool,
        _ body: (UnsafePointer<sockaddr>, socklen_t, Int32) throws(SocketError) -> T
    ) throws(SocketError) -> T {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = passive ? AI_PASSIVE : 0
        var list: UnsafeMutablePointer<addrinfo>?
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let status = getaddrinfo(bare, String(port), &hints, &list)
        guard status == 0, let first = list else { throw SocketError("resolve \(host): \(String(cString: gai_strerror(status)))", code: 0) }
        defer { freeaddrinfo(list) }
        return try body(first.pointee.ai_addr, first.pointee.ai_addrlen, first.pointee.ai_family)
    }

    private static func numericHost(_ storage: inout sockaddr_storage) -> String {
        var name = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &name, socklen_t(name.count), nil, 0, NI_NUMERICHOST)
            }
        }
        guard status == 0 else { return "?" }
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return host.hasPrefix("::ffff:") ? String(host.dropFirst(7)) : host
    }

    /// A port on 127.0.0.1 free right now (bound to 0 and read back); another process may
    /// take it before it is used, which the caller reports like any bind failure.
    static func freeLoopbackPort() throws(SocketError) -> Int {
        let socket = try listen(host: "127.0.0.1", port: 0)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.descriptor, $0, &length) }
        }
        guard status == 0 else { throw SocketError("getsockname") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A socket call failed; carries the operation and errno.
struct SocketError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    var description: String { code == 0 ? operation : "\(operation): \(String(cString: strerror(code)))" }
}
