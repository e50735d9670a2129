import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The delivery HTTP server: LL-HLS for players, `/metrics`, `/healthz`, `/readyz` and the
/// admin hook, on one listener. Keep-alive requests for stored parts are answered by the
/// part loops (``PartLoop``: epoll and `sendfile`); a connection that asks for anything else
/// moves to SwiftNIO with the server's own HTTP/1.1 codec (keep-alive, pipelining).
///
/// ```swift
/// let server = HTTPServer(configuration: config, store: store, metrics: registry, logger: logger)
/// server.setAdminHandler { request in AdminResponse(status: .ok, text: "reloaded\n") }
/// let port = try await server.start()
/// ...
/// await server.shutdown()     // or: try await server.run() and server.beginShutdown()
/// ```
/// Creating the server registers its metrics in `metrics`: HTTP request counters and
/// latencies, the store's window sizes and the process's CPU and memory.
public final class HTTPServer: Sendable {
    private enum Lifecycle {
        case idle
        case starting
        case running([PartLoop])
        case stopping
        case stopped
    }

    private let context: ServerContext
    private let tracker: ConnectionTracker
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let lifecycle = Mutex<Lifecycle>(.idle)
    private let stopped: EventLoopPromise<Void>
    private let groupShutDown = Mutex<Bool>(false)

    /// Creates a server; nothing is bound until ``start()``. Without `eventLoopGroup` the
    /// server runs its own (``HTTPServerConfiguration/eventLoopThreads``) and shuts it down.
    public init(
        configuration: HTTPServerConfiguration, store: ChunkStore, metrics: MetricsRegistry, logger: Logger,
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        if let eventLoopGroup {
            self.group = eventLoopGroup
            self.ownsGroup = false
        } else {
            let threads = configuration.eventLoopThreads > 0 ? configuration.eventLoopThreads : System.coreCount
            self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            self.ownsGroup = true
        }
        let httpMetrics = HTTPMetrics(registry: metrics)
        let sessions = AutoSessionTable(configuration: configuration.autoSessions, registry: metrics)
        self.context = ServerContext(
            configuration: configuration, store: store, registry: metrics, metrics: httpMetrics, sessions: sessions, logger: logger
        )
        self.tracker = ConnectionTracker(maxConnections: configuration.maxConnections)
        self.stopped = self.group.next().makePromise(of: Void.self)
        StoreMetrics.register(store: store, in: metrics)
        ProcessMetrics.register(in: metrics)
        let tracker = self.tracker
        metrics.addCollector { writer in
            writer.header(name: "mutstream_http_connections", help: "Open HTTP connections.", type: .gauge)
            writer.sample(name: "mutstream_http_connections", value: tracker.count)
            writer.header(
                name: "mutstream_http_buffered_response_bytes",
                help: "Response bytes queued for sockets and not yet written, over all connections.", type: .gauge
            )
            writer.sample(name: "mutstream_http_buffered_response_bytes", value: httpMetrics.bufferedResponseBytes.load(ordering: .relaxed))
        }
    }

    /// Routes `/mesh/v1/...` to `handler` (nil: 404, the default); see ``MeshHandler``.
    public func setMeshHandler(_ handler: MeshHandler?) {
        self.context.meshHandler.withLock { $0 = handler }
    }

    /// Routes `/admin/v1/...` to `handler` (nil: 404, the default).
    public func setAdminHandler(_ handler: AdminHandler?) {
        self.context.adminHandler.withLock { $0 = handler }
    }

    /// Makes the listener HTTPS: every connection accepted from now on starts with a TLS
    /// handshake under `context` (its certificate chain, key and protocol versions); nil goes
    /// back to plain HTTP. Open connections keep what they started with, so a certificate is
    /// replaced (a reload) without dropping players.
    public func setTLSContext(_ context: NIOSSLContext?) {
        self.context.tlsContext.withLock { $0 = context }
    }

    /// True while new connections are served over TLS.
    public var servesTLS: Bool { self.context.tlsContext.withLock { $0 != nil } }

    /// Open connections now.
    public var openConnections: Int { self.tracker.count }

    /// The adaptive sessions of `/live/{stream}/auto/…` playlists.
    public var autoSessions: AutoSessionTable { self.context.sessions }

    /// Response bytes queued for sockets and not yet written, over all connections: what slow
    /// readers cost. Bounded by open connections × (high-water mark + one part + one response):
    /// a connection that cannot be written to is not read from and its next request waits.
    public var bufferedResponseBytes: Int { self.context.metrics.bufferedResponseBytes.load(ordering: .relaxed) }

    /// Binds and starts accepting; returns the bound port (useful with port 0).
    public func start() async throws -> Int {
        try self.lifecycle.withLock { state in
            guard case .idle = state else { throw HTTPServerError.alreadyStarted }
            state = .starting
        }
        let configuration = self.context.configuration
        let loops: [PartLoop]
        let listener: ListeningSocket
        do {
            listener = try ListeningSocket(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
            let handOff = self.handOffToNIO()
            let count = configuration.eventLoopThreads > 0 ? configuration.eventLoopThreads : System.coreCount
            loops = try (0..<count).map { _ in try PartLoop(server: self.context, tracker: self.tracker, handOff: handOff) }
            loops[0].accept(on: listener, dealingTo: loops)
            do {
                for loop in loops { try loop.start() }
            } catch {
                for loop in loops { loop.post(.exit) }
                throw error
            }
        } catch {
            self.lifecycle.withLock { $0 = .idle }
            throw error
        }
        self.lifecycle.withLock { $0 = .running(loops) }
        self.context.logger.info("HTTP server listening", metadata: ["host": "\(configuration.host)", "port": "\(listener.port)"])
        return listener.port
    }

    /// How a part loop gives a connection to NIO: as a channel on the server's event loop
    /// group, with the one handler every NIO connection has (and TLS or the refusal over the
    /// connection limit for one the loop never served).
    private func handOffToNIO() -> PartLoop.HandOff {
        let configuration = self.context.configuration
        let context = self.context
        let tracker = self.tracker
        let group = self.group
        return { descriptor, unanswered in
            let takenOver = Atomic<Bool>(false)
            ClientBootstrap(group: group)
                .channelOption(
                    .writeBufferWaterMark,
                    value: .init(low: configuration.writeBufferLowWaterMarkBytes, high: configuration.writeBufferHighWaterMarkBytes)
                )
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let unanswered {
                            // From a part loop: plain HTTP, picking up where the loop stopped.
                            takenOver.store(true, ordering: .relaxed)
                            _ = tracker.admit(channel, fromPartLoop: true)
                            try channel.pipeline.syncOperations.addHandler(
                                HTTPConnectionHandler(server: context, isEncrypted: false, unanswered: unanswered)
                            )
                            return
                        }
                        // TLS first, so that even the 503 of a refused connection is encrypted.
                        let tls = context.tlsContext.withLock { $0 }
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                        }
                        guard tracker.admit(channel) else {
                            context.metrics.connectionsRejected.increment()
                            try channel.pipeline.syncOperations.addHandler(RejectConnectionHandler())
                            return
                        }
                        context.metrics.connectionsAccepted.increment()
                        // No HTTP codec or idle handlers: HTTPConnectionHandler parses and writes
                        // HTTP/1.x and keeps the idle timeout itself (see HTTPRequestParser for why).
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(server: context, isEncrypted: tls != nil))
                    }
                }
                .withConnectedSocket(descriptor)
                .whenFailure { error in
                    context.logger.warning("could not hand a connection to NIO", metadata: ["error": "\(error)"])
                    if unanswered != nil, !takenOver.load(ordering: .relaxed) { tracker.releaseFast() }
                }
        }
    }

    /// Starts if not started, then returns once the server has shut down (after
    /// ``beginShutdown()`` or ``shutdown()``): the shape a swift-service-lifecycle
    /// `Service.run()` wants, with `beginShutdown` as its graceful-shutdown handler.
    public func run() async throws {
        let isIdle = self.lifecycle.withLock { if case .idle = $0 { true } else { false } }
        if isIdle { _ = try await self.start() }
        try await self.stopped.futureResult.get()
        await self.shutDownGroupOnce()
    }

    /// Starts a graceful shutdown without waiting: stop accepting, let every connection
    /// finish its in-flight request, close idle ones, force-close after the grace period.
    public func beginShutdown() {
        let loops: [PartLoop]? = self.lifecycle.withLock { state in
            switch state {
            case .running(let loops):
                state = .stopping
                return loops
            case .idle, .starting:
                state = .stopped
                self.stopped.succeed()
                return nil
            case .stopping, .stopped:
                return nil
            }
        }
        guard let loops else { return }
        let tracker = self.tracker
        let loop = self.group.next()
        let grace = TimeAmount.nanoseconds(Int64(self.context.configuration.shutdownGraceSeconds * 1e9))
        // The acceptor handles its inbox in order: no connection is dealt out after this.
        loops[0].post(.stopAccepting)
        for partLoop in loops { partLoop.post(.quiesce) }
        tracker.quiesceAll()
        let forceClose = loop.scheduleTask(in: grace) {
            tracker.closeAll()
            for partLoop in loops { partLoop.post(.closeAll) }
        }
        tracker.drained(on: loop).whenComplete { _ in
            forceClose.cancel()
            for partLoop in loops { partLoop.post(.exit) }
            self.lifecycle.withLock { $0 = .stopped }
            self.stopped.succeed()
        }
    }

    /// Shuts down gracefully (see ``beginShutdown()``) and returns when every connection is
    /// closed and, if the server owns it, its event loop group is shut down.
    public func shutdown() async {
        self.beginShutdown()
        try? await self.stopped.futureResult.get()
        await self.shutDownGroupOnce()
    }

    private func shutDownGroupOnce() async {
        guard self.ownsGroup else { return }
        let first = self.groupShutDown.withLock { done in
            defer { done = true }
            return !done
        }
        if first { try? await self.group.shutdownGracefully() }
    }
}

/// Misuse of the server's lifecycle.
public enum HTTPServerError: Error, Hashable, Sendable {
    /// ``HTTPServer/start()`` was called twice.
    case alreadyStarted
}
