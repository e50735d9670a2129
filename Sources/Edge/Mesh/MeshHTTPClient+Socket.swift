#if canImport(Glibc)
import Glibc
#endif

extension MeshHTTPClient {
    /// A blocking TCP socket to an `http://` peer: a non-blocking connect bounded by its
    /// timeout, then blocking sends and reads bounded by `SO_SNDTIMEO` and `SO_RCVTIMEO`.
    struct PlainSocket {
        let descriptor: Int32

        static func open(_ endpoint: Endpoint, connectTimeoutSeconds: Double, timeoutSeconds: Double) throws(Failure) -> PlainSocket {
            let fd = try connect(endpoint, timeoutSeconds: connectTimeoutSeconds)
            var timeout = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - Double(Int(timeoutSeconds))) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return PlainSocket(descriptor: fd)
        }

        func close() { _ = Glibc.close(descriptor) }

        func send(_ bytes: [UInt8]) throws(Failure) {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { throw errno == EAGAIN ? .timedOut : .closed }
                offset += n
            }
        }

        /// The next bytes the peer sent (never empty): throws `.closed` at the end of the
        /// stream and `.timedOut` when nothing came within the timeout.
        func receive() throws(Failure) -> [UInt8] {
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed }
            if n == 0 { throw .closed }
            chunk.removeSubrange(n...)
            return chunk
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
                    Glibc.close(fd)
                    throw .connect(String(cString: strerror(e)))
                }
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                guard poll(&poller, 1, Int32(timeoutSeconds * 1000)) == 1 else {
                    Glibc.close(fd)
                    throw .timedOut
                }
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                guard error == 0 else {
                    Glibc.close(fd)
                    throw .connect(String(cString: strerror(error)))
                }
            }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags & ~Int32(O_NONBLOCK))
            return fd
        }
    }
}
