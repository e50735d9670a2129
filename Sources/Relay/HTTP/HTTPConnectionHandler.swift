import Logging
import NIOCore
import NIOHTTP1

/// One HTTP/1.1 connection: parses requests (``HTTPRequestParser``), routes each, answers
/// it, applies backpressure and closes it when idle. It is the only handler on the socket:
/// requests are read from bytes and responses written as bytes.
///
/// Pipelining: bytes that arrive while a request is being answered stay in ``received``
/// unparsed until its response is written, so responses go out in request order.
/// Backpressure: while the channel is not writable (pending response bytes above the
/// high-water mark) this handler neither asks the socket for more data nor starts answering
/// the next request, so a client that does not read costs at most the high-water mark plus
/// one response; while a request is in flight it reads at most one head's worth ahead.
final class HTTPConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// A response body: nothing, one buffer, a part, or a segment's parts written back to
    /// back; parts are sent from their sealed files when they have them.
    enum Body {
        case empty
        case buffer(ByteBuffer)
        case part(ChunkPart)
        case parts([ChunkPart])

        var byteCount: Int {
            switch self {
            case .empty: 0
            case .buffer(let buffer): buffer.readableBytes
            case .part(let part): part.payload.readableBytes
            case .parts(let parts): parts.reduce(0) { $0 + $1.payload.readableBytes }
            }
        }
    }

    /// Bodies up to this size are copied behind the response head: one write, not two.
    static let inlineBodyBytes = 4_096

    let server: ServerContext

    /// TLS on this connection: bodies are written as buffers (sendfile would bypass NIOSSL).

    let isEncrypted: Bool
    var head: RequestHead?
    var route: Route = .notFound
    var query: Substring?
    var adminBody: ByteBuffer?
    var adminBodyTooLarge = false
    var startNanoseconds: UInt64 = 0
    /// Bytes read and not yet parsed: the rest of the current request, pipelined requests.
    var received: ByteBuffer?
    /// Reading the current request's body (nil between requests and once it is read).
    var bodyReader: RequestBodyReader?
    /// Inside ``processReceived(context:)``: a response written from it must not re-enter.
    var isProcessing = false
    /// A response with `connection: close` (or a 400) was written: read no more requests.
    var isClosing = false
    /// The server is shutting down: the in-flight response is the last.
    var isQuiescing = false
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
    /// When bytes last arrived, for the idle timeout.
    var lastReadNanoseconds: UInt64 = 0
    var idleCheck: Scheduled<Void>?

    /// Bytes a part loop read from the connection and did not answer, handled as if just
    /// read once the channel is active.
    var unanswered: ByteBuffer?

    init(server: ServerContext, isEncrypted: Bool, unanswered: ByteBuffer? = nil) {
        self.server = server
        self.isEncrypted = isEncrypted
        self.unanswered = unanswered
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.lastReadNanoseconds = NIODeadline.now().uptimeNanoseconds
        var bytes = self.unwrapInboundIn(data)
        if self.received == nil || self.received!.readableBytes == 0 {
            self.received = bytes
        } else {
            // Drop what was parsed already, or a client that never lets the buffer empty
            // would grow it without bound.
            self.received!.discardReadBytes()
            self.received!.writeBuffer(&bytes)
        }
        self.processReceived(context: context)
    }

    /// Parses and starts answering requests from ``received`` until one is in flight, the
    /// bytes run out, or the connection is closing.
    func processReceived(context: ChannelHandlerContext) {
        guard !self.isProcessing else { return }
        self.isProcessing = true
        defer { self.isProcessing = false }
        while self.isActive, !self.inFlight, !self.isClosing, (self.received?.readableBytes ?? 0) > 0 {
            do throws(RequestParseError) {
                if self.bodyReader == nil {
                    guard case .head(let head, let framing) = try HTTPRequestParser.parseHead(&self.received!) else { break }
                    self.begin(head: head, context: context)
                    self.bodyReader = RequestBodyReader(framing)
                }
                try self.bodyReader!.read(&self.received!) { chunk in self.bodyChunk(chunk) }
                guard self.bodyReader!.isDone else { break }
                self.bodyReader = nil
                self.inFlight = true
                if context.channel.isWritable {
                    self.dispatch(context: context)
                } else {
                    self.awaitingWritability = true
                }
            } catch {
                self.refuse(context: context, error)
            }
        }
        if self.received?.readableBytes == 0 { self.received = nil }
        if self.readHeld, self.mayRead(context: context) {
            self.readHeld = false
            context.read()
        }
    }

    private func begin(head: RequestHead, context: ChannelHandlerContext) {
        self.head = head
        self.startNanoseconds = NIODeadline.now().uptimeNanoseconds
        (self.route, self.query) = Route.parse(head.uri)
        self.adminBodyTooLarge = false
        if self.route.acceptsPost, head.method == .POST {
            self.adminBody = context.channel.allocator.buffer(capacity: 0)
        }
    }

    /// Bodies matter only to the admin and mesh handlers; anything else is read and dropped.
    private func bodyChunk(_ chunk: ByteBuffer) {
        guard self.adminBody != nil else { return }
        var chunk = chunk
        if self.adminBody!.readableBytes + chunk.readableBytes > self.server.configuration.maxAdminBodyBytes {
            self.adminBodyTooLarge = true
            self.adminBody!.clear()
        } else if !self.adminBodyTooLarge {
            self.adminBody!.writeBuffer(&chunk)
        }
    }

    /// A request that cannot be parsed: 400 and close, as NIO's codec answered.
    private func refuse(context: ChannelHandlerContext, _ error: RequestParseError) {
        self.server.logger.debug("bad request", metadata: ["error": "\(error)"])
        self.isClosing = true
        self.received = nil
        let response = context.channel.allocator.buffer(staticString: Self.badRequestResponse)
        context.writeAndFlush(self.wrapOutboundOut(.byteBuffer(response))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private static let badRequestResponse: StaticString =
        "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"

    /// Reading is held while the socket cannot take responses, and while a request is in
    /// flight once a whole head's worth of pipelined bytes waits.
    private func mayRead(context: ChannelHandlerContext) -> Bool {
        context.channel.isWritable && (!self.inFlight || (self.received?.readableBytes ?? 0) < HTTPRequestParser.maxHeadBytes)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if self.awaitingWritability {
                self.awaitingWritability = false
                self.dispatch(context: context)
            }
            if self.readHeld && self.mayRead(context: context) {
                self.readHeld = false
                context.read()
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.startIdleTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.startIdleTimer(context: context)
        context.fireChannelActive()
        if let unanswered = self.unanswered.take(), unanswered.readableBytes > 0 {
            self.channelRead(context: context, data: NIOAny(unanswered))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.isActive = false
        self.idleCheck?.cancel()
        self.idleCheck = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Between requests: close now. Otherwise the request being read or answered
            // gets its response (with `connection: close`) and then the connection closes.
            if self.head == nil {
                context.close(promise: nil)
            } else {
                self.isQuiescing = true
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
        if self.mayRead(context: context) {
            context.read()
        } else {
            self.readHeld = true
        }
    }

    // MARK: Responding

    /// Writes a whole response, then goes on with the next pipelined request, if any.
    func respond(
        context: ChannelHandlerContext, status: HTTPResponseStatus, contentType: String, cacheControl: String?,
        body: Body, extraHeaders: [(String, String)] = []
    ) {
        guard self.isActive, let request = self.head else { return }
        let length = body.byteCount
        let keepAlive = request.isKeepAlive && !self.isQuiescing
        let sendsBody = request.method != .HEAD

        let metrics = self.server.metrics
        let elapsed = Double(NIODeadline.now().uptimeNanoseconds &- self.startNanoseconds) / 1e9
        let bufferedBytes = sendsBody ? length : 0
        metrics.record(route: self.route.label, status: status, bodyBytes: bufferedBytes, seconds: elapsed)
        self.head = nil
        self.route = .notFound
        self.query = nil
        self.adminBody = nil
        self.inFlight = false
        if !keepAlive { self.isClosing = true }
        let probe = sendsBody ? self.deliveryProbe : nil
        self.deliveryProbe = nil
        if let probe { self.followWhileWriting(probe, channel: context.channel) }

        let inlineBytes: Int
        if sendsBody, case .buffer(let buffer) = body, buffer.readableBytes <= Self.inlineBodyBytes {
            inlineBytes = buffer.readableBytes
        } else {
            inlineBytes = 0
        }
        var sent = SentFiles()
        var last: IOData
        // sendfile bypasses the channel pipeline: over TLS the bytes must go through NIOSSL.
        let mayUseFiles = !self.isEncrypted
        if sendsBody, mayUseFiles, case .part(let part) = body, let file = part.file,
           PartResponse.isStoredHead(
               version: request.version, status: status, contentType: contentType, cacheControl: cacheControl,
               extraHeaders: extraHeaders, keepAlive: keepAlive
           )
        {
            // The sealed file starts with exactly this head: one sendfile, head included.
            last = .fileRegion(sent.region(of: file, from: 0))
        } else {
            var headBytes = context.channel.allocator.buffer(capacity: 192 + extraHeaders.count * 64 + inlineBytes)
            headBytes.writeResponseHead(
                version: request.version, status: status, contentType: contentType, contentLength: length,
                cacheControl: cacheControl, extraHeaders: extraHeaders, keepAlive: keepAlive
            )
            if sendsBody, case .buffer(var buffer) = body, inlineBytes > 0 {
                headBytes.writeBuffer(&buffer)
            }
            last = .byteBuffer(headBytes)
            if sendsBody {
                // Each earlier piece is written as the next one is known; the last one is
                // written with the flush below.
                func append(_ next: IOData) {
                    context.write(self.wrapOutboundOut(last), promise: nil)
                    last = next
                }
                func append(_ part: ChunkPart) {
                    guard mayUseFiles, let file = part.file else { return append(.byteBuffer(part.payload)) }
                    append(.fileRegion(sent.region(of: file, from: file.headBytes)))
                }
                switch body {
                case .empty:
                    break
                case .buffer(let buffer):
                    if inlineBytes == 0 && buffer.readableBytes > 0 { append(.byteBuffer(buffer)) }
                case .part(let part):
                    append(part)
                case .parts(let parts):
                    for part in parts { append(part) }
                }
            }
        }
        // The response is counted as buffered until the socket has taken its last byte, so
        // ``HTTPServer/bufferedResponseBytes`` is what slow readers really cost.
        if bufferedBytes == 0 && keepAlive && probe == nil && sent.isEmpty {
            context.writeAndFlush(self.wrapOutboundOut(last), promise: nil)
        } else {
            metrics.bufferedResponseBytes.add(bufferedBytes, ordering: .relaxed)
            let channel = context.channel
            let sentFiles = sent
            context.writeAndFlush(self.wrapOutboundOut(last)).assumeIsolated().whenComplete { result in
                // Every earlier write has completed too: the handles can go, and the files
                // (held until now) with them if the store has let them go.
                sentFiles.release()
                metrics.bufferedResponseBytes.subtract(bufferedBytes, ordering: .relaxed)
                if let probe {
                    let written = self.takeWritingProbe(probe)
                    if case .success = result { Self.finishDeliveryProbe(written, channel: channel) }
                }
                if !keepAlive { context.close(promise: nil) }
            }
        }
        self.processReceived(context: context)
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
