import Foundation
import NIOCore
import NIOPosix
import NIOSSL

extension MeshHTTPClient {
    /// One TLS connection to an `https://` peer, used from the puller's blocking thread: the
    /// channel runs on NIO's shared event loops (swift-nio-ssl does the TLS), and what it
    /// receives waits in an ``Inbox`` the calling thread reads with a timeout, as it reads
    /// a plain socket. The peer's certificate chain is checked against the context's trust
    /// roots and its name against `host` (or, for an IP address, the address).
    final class TLSConnection: Sendable {
        private let channel: any Channel
        private let inbox: Inbox
        private let readTimeoutSeconds: Double

        private init(channel: any Channel, inbox: Inbox, readTimeoutSeconds: Double) {
            self.channel = channel
            self.inbox = inbox
            self.readTimeoutSeconds = readTimeoutSeconds
        }

        /// Connects (bounded by `connectTimeoutSeconds`); the handshake runs with the first
        /// exchange, so its failure surfaces from ``receive()``.
        static func open(_ endpoint: Endpoint, context: NIOSSLContext, connectTimeoutSeconds: Double,
                         readTimeoutSeconds: Double) throws(Failure) -> TLSConnection {
            let address: SocketAddress
            // Resolved here, on the calling thread: a slow resolver must not stall an event loop.
            do { address = try SocketAddress.makeAddressResolvingHost(endpoint.host, port: endpoint.port) } catch {
                throw .connect("cannot resolve \(endpoint.host)")
            }
            // SNI and the name check take a host name; for an IP address swift-nio-ssl checks
            // the certificate against the connected address instead.
            let serverName = isIPAddress(endpoint.host) ? nil : endpoint.host
            let inbox = Inbox()
            let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(connectTimeoutSeconds * 1000)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: inbox))
                    }
                }
            do {
                let channel = try bootstrap.connect(to: address).wait()
                return TLSConnection(channel: channel, inbox: inbox, readTimeoutSeconds: readTimeoutSeconds)
            } catch ChannelError.connectTimeout {
                throw .timedOut
            } catch {
                throw .connect("\(error)")
            }
        }

        /// Queues the request; it goes out once the handshake is done (a failure surfaces
        /// from ``receive()``).
        func send(_ bytes: [UInt8]) {
            channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        }

        /// The next decrypted bytes (never empty): throws `.closed` at the end of the stream,
        /// `.timedOut` when nothing came within the read timeout, `.tls` when the handshake
        /// failed.
        func receive() throws(Failure) -> [UInt8] {
            try inbox.next(timeoutSeconds: readTimeoutSeconds)
        }

        /// Aborts from another thread (``RequestCancellation``): a blocked ``receive()`` returns.
        var abort: @Sendable () -> Void {
            { [channel] in channel.close(promise: nil) }
        }

        func close() { channel.close(promise: nil) }

        private static func isIPAddress(_ host: String) -> Bool {
            var v4 = in_addr(), v6 = in6_addr()
            return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
        }
    }

    /// What a TLS channel received, handed from its event loop to the blocked calling thread.
    final class Inbox: @unchecked Sendable {
        // Everything below is guarded by `condition`.
        private let condition = NSCondition()
        private var received: [UInt8] = []
        private var end: Failure?

        func deliver(_ buffer: ByteBuffer) {
            condition.lock()
            received.append(contentsOf: buffer.readableBytesView)
            condition.signal()
            condition.unlock()
        }

        /// The connection ended: `.closed`, or why it failed. The first reason stays.
        func finish(_ reason: Failure) {
            condition.lock()
            if end == nil { end = reason }
            condition.signal()
            condition.unlock()
        }

        func next(timeoutSeconds: Double) throws(Failure) -> [UInt8] {
            let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
            condition.lock()
            defer { condition.unlock() }
            while received.isEmpty && end == nil {
                if !condition.wait(until: deadline) && received.isEmpty && end == nil { throw .timedOut }
            }
            if !received.isEmpty {
                defer { received = [] }
                return received
            }
            throw end ?? .closed
        }
    }

    /// The last handler of a TLS channel: decrypted bytes and the end of the connection go
    /// to the ``Inbox``.
    private final class InboxHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let inbox: Inbox

        init(inbox: Inbox) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            inbox.deliver(unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            inbox.finish(.closed)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            switch error {
            case NIOSSLError.uncleanShutdown:
                // The peer closed without close_notify: a plain end of stream for HTTP with
                // Content-Length (a truncated body is caught by the length).
                inbox.finish(.closed)
            case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
                inbox.finish(.tls("\(error)"))
            default:
                inbox.finish(.connect("\(error)"))
            }
            context.close(promise: nil)
        }
    }
}
