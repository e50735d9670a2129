import CLinuxEvents
import Glibc
import NIOCore
import Synchronization

/// The fast path for what players ask most: an epoll loop on a thread of its own that
/// answers keep-alive `GET`s of stored parts over plain HTTP with one `sendfile(2)` of the
/// part's sealed file (response head included), without SwiftNIO.
///
/// Why: serving a part through NIO's channel pipeline cost more user time (pending-write
/// bookkeeping, a file handle, a write promise, reference counting) than the kernel spent
/// sending it. Here a part request is one `read`, a scan, a store lookup and one `sendfile`.
///
/// Anything else (another route, a part not produced yet, `HEAD`, a body, HTTP/1.0,
/// `connection: close`, a head over 4 KiB, a malformed head, TLS, players with `auto`
/// sessions to measure) hands the connection to NIO (``HTTPConnectionHandler``) with the
/// bytes read and not answered, and NIO serves it from then on: the split is invisible to
/// clients. The first loop owns the listener and deals accepted connections out round-robin.
///
/// Bounds: one response per connection in flight (a client that does not read holds one
/// part's file, no copy), reading stops while it is, the idle timeout closes connections
/// that neither send nor take bytes, and the connection limit is the server's.
final class PartLoop: @unchecked Sendable {
    // Everything below is touched only on the loop's own thread, except `inbox`.

    enum Command {
        /// Close the listener (the first loop only): the port is released.
        case stopAccepting
        /// Close idle connections now and the others after their response.
        case quiesce
        /// Close every connection now.
        case closeAll
        /// Close everything and end the thread.
        case exit
    }

    private struct Inbox {
        var commands: [Command] = []
        var accepted: [CInt] = []
    }

    /// Gives a connection to NIO with the bytes read from it and not answered (nil: a
    /// connection the loop never served, for NIO to set up as any new one).
    typealias HandOff = @Sendable (_ descriptor: CInt, _ unanswered: ByteBuffer?) -> Void

    private let server: ServerContext
    private let tracker: ConnectionTracker
    private let handOff: HandOff
    private let epoll: CInt
    private let wakeup: CInt
    private let inbox = Mutex(Inbox())
    private var listener: ListeningSocket?
    private var peers: [PartLoop] = []
    private var nextPeer = 0
    private var acceptPausedUntil: UInt64?
    private var connections: [PartConnection?] = []
    private var openCount = 0
    private var isQuiescing = false
    private var isExiting = false
    private let idleTimeoutNanoseconds: UInt64
    private let sweepNanoseconds: UInt64

    init(server: ServerContext, tracker: ConnectionTracker, handOff: @escaping HandOff) throws {
        self.server = server
        self.tracker = tracker
        self.handOff = handOff
        self.epoll = epoll_create1(CInt(EPOLL_CLOEXEC))
        self.wakeup = eventfd(0, CInt(EFD_CLOEXEC | EFD_NONBLOCK))
        self.idleTimeoutNanoseconds = UInt64(max(server.configuration.idleTimeoutSeconds, 0.001) * 1e9)
        self.sweepNanoseconds = min(1_000_000_000, max(10_000_000, self.idleTimeoutNanoseconds / 4))
        guard self.epoll >= 0, self.wakeup >= 0 else {
            let failure = errno
            if self.epoll >= 0 { Glibc.close(self.epoll) }
            if self.wakeup >= 0 { Glibc.close(self.wakeup) }
            throw ListeningSocketError(call: "epoll_create1/eventfd", host: server.configuration.host, port: server.configuration.port, errno: failure)
        }
        self.control(EPOLL_CTL_ADD, self.wakeup, EPOLLIN.rawValue)
    }

    /// Makes this loop the acceptor of `listener`, dealing connections out to `loops`
    /// (itself included). Call before ``start()``.
    func accept(on listener: ListeningSocket, dealingTo loops: [PartLoop]) {
        self.listener = listener
        self.peers = loops
        self.control(EPOLL_CTL_ADD, listener.descriptor, EPOLLIN.rawValue)
    }

    /// Starts the loop's thread.
    func start() throws {
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let loop = Unmanaged<PartLoop>.fromOpaque(context!).takeRetainedValue()
            loop.run()
            return nil
        }, retained)
        guard result == 0 else {
            Unmanaged<PartLoop>.fromOpaque(retained).release()
            throw ListeningSocketError(call: "pthread_create", host: self.server.configuration.host, port: self.server.configuration.port, errno: result)
        }
        pthread_detach(thread)
    }

    /// Asks the loop, from any thread, to carry out `command`.
    func post(_ command: Command) {
        self.inbox.withLock { $0.commands.append(command) }
        self.wake()
    }

    /// Gives the loop, from its acceptor's thread, a connection to serve.
    private func assign(_ descriptor: CInt) {
        self.inbox.withLock { $0.accepted.append(descriptor) }
        self.wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(self.wakeup, &one, MemoryLayout<UInt64>.size)
    }

    // MARK: The loop

    private func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var nextSweep = Self.now() + self.sweepNanoseconds
        while !(self.isExiting && self.openCount == 0) {
            let count = epoll_wait(self.epoll, events, CInt(capacity), CInt(self.sweepNanoseconds / 1_000_000))
            if count < 0 && errno != EINTR {
                self.server.logger.error("part loop stopped: epoll_wait failed", metadata: ["errno": "\(errno)"])
                break
            }
            let now = Self.now()
            for index in 0..<Int(max(count, 0)) {
                let descriptor = events[index].data.fd
                let flags = events[index].events
                if descriptor == self.wakeup {
                    self.readInbox(now: now)
                } else if descriptor == self.listener?.descriptor {
                    self.acceptAll(now: now)
                } else if descriptor < self.connections.count, let connection = self.connections[Int(descriptor)] {
                    self.service(connection, flags: flags, now: now)
                }
            }
            if now >= nextSweep {
                self.sweep(now: now)
                nextSweep = now + self.sweepNanoseconds
            }
        }
        self.closeAll()
        self.listener = nil
    }

    deinit {
        Glibc.close(self.epoll)
        Glibc.close(self.wakeup)
    }

    private static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    private func control(_ operation: CInt, _ descriptor: CInt, _ events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = descriptor
        _ = epoll_ctl(self.epoll, operation, descriptor, &event)
    }

    private func readInbox(now: UInt64) {
        var count: UInt64 = 0
        _ = read(self.wakeup, &count, MemoryLayout<UInt64>.size)
        let inbox = self.inbox.withLock { inbox in
            defer { inbox = Inbox() }
            return inbox
        }
        for descriptor in inbox.accepted { self.adopt(descriptor, now: now) }
        for command in inbox.commands {
            switch command {
            case .stopAccepting:
                if let listener = self.listener { self.control(EPOLL_CTL_DEL, listener.descriptor, 0) }
                self.listener = nil
            case .quiesce:
                self.isQuiescing = true
                for case let connection? in self.connections {
                    if connection.sending == nil { self.close(connection) } else { connection.closesAfterSending = true }
                }
            case .closeAll:
                self.closeAll()
            case .exit:
                self.isExiting = true
                self.isQuiescing = true
                self.closeAll()
            }
        }
    }

    // MARK: Connections

    private func acceptAll(now: UInt64) {
        guard let listener = self.listener else { return }
        while true {
            let descriptor = Glibc.accept(listener.descriptor, nil, nil)
            guard descriptor >= 0 else {
                switch errno {
                case EINTR, ECONNABORTED:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // The listener stays readable: pause accepting instead of spinning on it.
                    self.server.logger.warning("cannot accept connections: out of descriptors or memory; pausing accepts for 100 ms")
                    self.control(EPOLL_CTL_DEL, listener.descriptor, 0)
                    self.acceptPausedUntil = now + 100_000_000
                    return
                default:
                    return
                }
            }
            // accept(2) does not pass the listener's O_NONBLOCK on.
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            var one: CInt = 1
            setsockopt(descriptor, CInt(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<CInt>.size))
            // TLS connections and refusals over the limit are NIO's from the start.
            guard !self.server.tlsContext.withLock({ $0 != nil }), self.tracker.admitFast() else {
                self.handOff(descriptor, nil)
                continue
            }
            self.server.metrics.connectionsAccepted.increment()
            let loop = self.peers[self.nextPeer % self.peers.count]
            self.nextPeer &+= 1
            if loop === self { self.adopt(descriptor, now: now) } else { loop.assign(descriptor) }
        }
    }

    private func adopt(_ descriptor: CInt, now: UInt64) {
        guard !self.isQuiescing else {
            Glibc.close(descriptor)
            self.tracker.releaseFast()
            return
        }
        let slot = Int(descriptor)
        if slot >= self.connections.count {
            self.connections.append(contentsOf: repeatElement(nil, count: max(slot + 1, self.connections.count * 2) - self.connections.count))
        }
        self.connections[slot] = PartConnection(descriptor: descriptor, nowNanoseconds: now)
        self.openCount += 1
        self.control(EPOLL_CTL_ADD, descriptor, EPOLLIN.rawValue)
    }

    /// Error and hang-up events are handled as readiness: the `read` or `sendfile` that
    /// follows finds the error (and a stale event from a reused descriptor closes nothing).
    private func service(_ connection: PartConnection, flags: UInt32, now: UInt64) {
        if connection.sending != nil {
            if flags & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { self.continueSending(connection, now: now) }
        } else if flags & (EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
            self.readAndServe(connection, now: now)
        }
    }

    private func readAndServe(_ connection: PartConnection, now: UInt64) {
        if connection.end == PartConnection.bufferBytes { connection.compact() }
        let count = read(connection.descriptor, connection.buffer.baseAddress! + connection.end, PartConnection.bufferBytes - connection.end)
        if count > 0 {
            connection.end += count
            connection.lastProgressNanoseconds = now
            self.serveRequests(connection, now: now)
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            self.close(connection)
        }
    }

    /// Answers the complete requests read so far, in order, until one needs NIO, a response
    /// is left sending, or the bytes run out.
    private func serveRequests(_ connection: PartConnection, now: UInt64) {
        while connection.sending == nil, connection.start < connection.end {
            let scan: HTTPRequestParser.Scan?
            do {
                scan = try HTTPRequestParser.scan(connection.unanswered)
            } catch {
                return self.giveToNIO(connection) // NIO answers the 400, as for any connection.
            }
            guard let scan else {
                if connection.end - connection.start >= PartConnection.bufferBytes { return self.giveToNIO(connection) }
                if connection.end == PartConnection.bufferBytes { connection.compact() }
                return
            }
            guard let (file, payloadBytes) = self.storedPartFile(scan, in: connection.unanswered) else {
                return self.giveToNIO(connection)
            }
            connection.start += scan.headEnd
            guard self.send(file, payloadBytes: payloadBytes, on: connection, startNanoseconds: now) else { return }
        }
        if connection.start == connection.end {
            connection.start = 0
            connection.end = 0
        }
    }

    /// The sealed file of the part a request asks for, when the fast path can answer it:
    /// its stored head is exactly the response NIO would write.
    private func storedPartFile(_ scan: HTTPRequestParser.Scan, in bytes: UnsafeRawBufferPointer) -> (SealedPartFile, Int)? {
        guard scan.version == .http1_1, !scan.connectionClose, !scan.chunked, (scan.contentLength ?? 0) == 0,
              scan.method.count == 3, bytes[scan.method.lowerBound] == UInt8(ascii: "G"),
              bytes[scan.method.lowerBound + 1] == UInt8(ascii: "E"), bytes[scan.method.lowerBound + 2] == UInt8(ascii: "T"),
              // Deliveries to `auto` players are measured on NIO's path.
              self.server.sessions.count == 0
        else { return nil }
        let uri = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[scan.target]), as: UTF8.self)
        guard case .part(let stream, let rendition, let position) = Route.parse(uri).route,
              let part = self.server.store.storedPart(stream: stream, rendition: rendition, position: position),
              let file = part.file
        else { return nil }
        return (file, part.payload.readableBytes)
    }

    /// Sends a whole part response, or as much as the socket takes and the rest when it is
    /// writable again; false if the connection closed.
    private func send(_ file: SealedPartFile, payloadBytes: Int, on connection: PartConnection, startNanoseconds: UInt64) -> Bool {
        var offset = off_t(0)
        let sent = sendfile(connection.descriptor, file.descriptor, &offset, file.totalBytes)
        let failed = sent < 0 && errno != EAGAIN && errno != EINTR
        let seconds = Double(Self.now() &- startNanoseconds) / 1e9
        self.server.metrics.record(route: .part, status: .ok, bodyBytes: payloadBytes, seconds: seconds)
        self.server.metrics.partLoopResponses.increment()
        if failed {
            self.close(connection)
            return false
        }
        if sent == file.totalBytes {
            guard connection.closesAfterSending else { return true }
            self.close(connection)
            return false
        }
        connection.sending = file
        connection.sentOffset = Int(offset)
        connection.sendingPayloadBytes = payloadBytes
        self.server.metrics.bufferedResponseBytes.add(payloadBytes, ordering: .relaxed)
        self.control(EPOLL_CTL_MOD, connection.descriptor, EPOLLOUT.rawValue)
        return true
    }

    private func continueSending(_ connection: PartConnection, now: UInt64) {
        guard let file = connection.sending else { return }
        var offset = off_t(connection.sentOffset)
        let sent = sendfile(connection.descriptor, file.descriptor, &offset, file.totalBytes - connection.sentOffset)
        if sent < 0 {
            if errno != EAGAIN && errno != EINTR { self.close(connection) }
            return
        }
        if sent > 0 { connection.lastProgressNanoseconds = now }
        connection.sentOffset = Int(offset)
        guard connection.sentOffset == file.totalBytes else { return }
        self.finishSending(connection)
        if connection.closesAfterSending { return self.close(connection) }
        self.control(EPOLL_CTL_MOD, connection.descriptor, EPOLLIN.rawValue)
        self.serveRequests(connection, now: now)
    }

    private func finishSending(_ connection: PartConnection) {
        guard connection.sending != nil else { return }
        self.server.metrics.bufferedResponseBytes.subtract(connection.sendingPayloadBytes, ordering: .relaxed)
        connection.sending = nil
        connection.sendingPayloadBytes = 0
    }

    private func forget(_ connection: PartConnection) {
        self.connections[Int(connection.descriptor)] = nil
        self.openCount -= 1
    }

    private func close(_ connection: PartConnection) {
        self.finishSending(connection)
        self.forget(connection)
        Glibc.close(connection.descriptor)
        self.tracker.releaseFast()
    }

    /// NIO serves the connection from its next unanswered byte on.
    private func giveToNIO(_ connection: PartConnection) {
        self.control(EPOLL_CTL_DEL, connection.descriptor, 0)
        self.forget(connection)
        // NIO takes over the connection's place in the tracker's count.
        self.handOff(connection.descriptor, ByteBuffer(bytes: connection.unanswered))
    }

    private func closeAll() {
        for case let connection? in self.connections { self.close(connection) }
    }

    /// Closes connections idle past the timeout; resumes accepting after a pause.
    private func sweep(now: UInt64) {
        if let until = self.acceptPausedUntil, now >= until, let listener = self.listener {
            self.acceptPausedUntil = nil
            self.control(EPOLL_CTL_ADD, listener.descriptor, EPOLLIN.rawValue)
        }
        for case let connection? in self.connections
        where now > connection.lastProgressNanoseconds && now - connection.lastProgressNanoseconds > self.idleTimeoutNanoseconds {
            self.close(connection)
        }
    }
}
