import Logging
import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection: routes each request, answers it, and applies backpressure.
///
/// Requests arrive one at a time (NIO's `HTTPServerPipelineHandler` in front holds
/// pipelined ones until the previous response ends). Backpressure: while the channel is
/// not writable (pending response bytes above the high-water mark) this handler neither
/// asks the socket for more data nor starts answering the next request, so a client that
/// does not read costs at most the high-water mark plus one response.
final class HTTPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A response body: nothing, one buffer, or a segment's parts written back to back.
    enum Body {
        case empty
        case buffer(ByteBuffer)
        case parts([ChunkPart])

        var byteCount: Int {
            switch self {
            case .empty: 0
            case .buffer(let buffer): buffer.readableBytes
            case .parts(let parts): parts.reduce(0) { $0 + $1.payload.readableBytes }
            }
        }
    }

    let server: ServerContext
    var head: HTTPRequestHead?
    var route: Route = .notFound
    var query: Substring?
    var adminBody: ByteBuffer?
    var adminBodyTooLarge = false
    var startNanoseconds: UInt64 = 0
    /// A complete request is waiting for the channel to become writable.
    var awaitingWritability = false
    /// The socket read that NIO asked for and this handler held back.
    var readHeld = false
    /// Between a request's end and its response's end (including blocking waits).
    var inFlight = false
    var isActive = true
    /// Measuring this response for an auto session (see HTTPConnectionHandler+Auto.swift).
    var deliveryProbe: DeliveryProbe?
    /// The measured response whose body is being written, with the interim samples taken so far,
    /// and the next `TCP_INFO` read for it.
    var writingProbe: DeliveryProbe?
    var writingRead: Scheduled<Void>?
    /// The client address, hashed once: half of the key that finds its auto session.
    var peerAddressHash: Int?
    var notSentLowWaterMarkSet = false

    init(server: ServerContext) {
        self.server = server
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            self.startNanoseconds = NIODeadline.now().uptimeNanoseconds
            (self.route, self.query) = Route.parse(head.uri)
            self.adminBodyTooLarge = false
            if self.route.acceptsPost, head.method == .POST {
                self.adminBody = context.channel.allocator.buffer(capacity: 0)
            }
        case .body(var chunk):
            // Bodies matter only to the admin handler; anything else is read and dropped.
            guard self.adminBody != nil else { return }
            if self.adminBody!.readableBytes + chunk.readableBytes > self.server.configuration.maxAdminBodyBytes {
                self.adminBodyTooLarge = true
                self.adminBody!.clear()
            } else if !self.adminBodyTooLarge {
                self.adminBody!.writeBuffer(&chunk)
            }
        case .end:
            self.inFlight = true
            if context.channel.isWritable {
                self.dispatch(context: context)
            } else {
                self.awaitingWritability = true
            }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if self.awaitingWritability {
                self.awaitingWritability = false
                self.dispatch(context: context)
            }
            if self.readHeld && context.channel.isWritable {
                self.readHeld = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isActive = false
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // Idle between requests, or stuck behind a client that stopped reading.
            if !self.inFlight || self.awaitingWritability {
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.server.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            self.readHeld = true
        }
    }

    // MARK: Responding

    /// Writes a whole response. State is reset before the final write because the pipelining
    /// handler may deliver the next request from inside it.
    func respond(
        context: ChannelHandlerContext, status: HTTPResponseStatus, contentType: String, cacheControl: String?,
        body: Body, extraHeaders: [(String, String)] = []
    ) {
        guard self.isActive, let request = self.head else { return }
        let length = body.byteCount
        let keepAlive = request.isKeepAlive
        let sendsBody = request.method != .HEAD
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + extraHeaders.count)
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(length))
        if let cacheControl { headers.add(name: "cache-control", value: cacheControl) }
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "connection", value: "close") }

        let metrics = self.server.metrics
        let elapsed = Double(NIODeadline.now().uptimeNanoseconds &- self.startNanoseconds) / 1e9
        let bufferedBytes = sendsBody ? length : 0
        metrics.record(route: self.route.label, status: status, bodyBytes: bufferedBytes, seconds: elapsed)
        self.head = nil
        self.route = .notFound
        self.query = nil
        self.adminBody = nil
        self.inFlight = false
        let probe = sendsBody ? self.deliveryProbe : nil
        self.deliveryProbe = nil
        if let probe { self.followWhileWriting(probe, channel: context.channel) }

        context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if sendsBody {
            metrics.bufferedResponseBytes.add(bufferedBytes, ordering: .relaxed)
            switch body {
            case .empty:
                break
            case .buffer(let buffer):
                self.writeAccounted(context: context, buffer)
            case .parts(let parts):
                for part in parts {
                    self.writeAccounted(context: context, part.payload)
                }
            }
        }
        if keepAlive && probe == nil {
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { result in
                if let probe {
                    let written = self.takeWritingProbe(probe)
                    if case .success = result { Self.finishDeliveryProbe(written, channel: channel) }
                }
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }

    /// Writes a body buffer and counts it as buffered until the socket has taken it, so
    /// ``HTTPServer/bufferedResponseBytes`` is what slow readers really cost.
    private func writeAccounted(context: ChannelHandlerContext, _ buffer: ByteBuffer) {
        let metrics = self.server.metrics
        let size = buffer.readableBytes
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { _ in
            metrics.bufferedResponseBytes.subtract(size, ordering: .relaxed)
        }
        context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: written)
    }

    func respondText(
        context: ChannelHandlerContext, status: HTTPResponseStatus, _ text: String, extraHeaders: [(String, String)] = []
    ) {
        self.respond(
            context: context, status: status, contentType: ServerContext.textType, cacheControl: ServerContext.noStore,
            body: .buffer(context.channel.allocator.buffer(string: text)), extraHeaders: extraHeaders
        )
    }
}
