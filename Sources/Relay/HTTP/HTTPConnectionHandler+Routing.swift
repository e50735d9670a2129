import NIOCore
import NIOHTTP1

extension HTTPConnectionHandler {
    /// Answers the complete request in `head`.
    func dispatch(context: ChannelHandlerContext) {
        guard let head = self.head else { return }
        switch head.method {
        case .GET, .HEAD:
            break
        case .POST:
            guard self.route.acceptsPost else { return self.methodNotAllowed(context: context, allow: "GET, HEAD") }
        default:
            return self.methodNotAllowed(context: context, allow: self.route.acceptsPost ? "GET, HEAD, POST" : "GET, HEAD")
        }

        switch self.route {
        case .healthz:
            self.respondText(context: context, status: .ok, "ok\n")
        case .readyz:
            self.answerReadiness(context: context)
        case .metrics:
            let text = self.server.registry.exposition()
            self.respond(
                context: context, status: .ok, contentType: ServerContext.metricsType, cacheControl: ServerContext.noStore,
                body: .buffer(context.channel.allocator.buffer(string: text))
            )
        case .master(let stream):
            guard let playlist = self.server.store.masterPlaylist(stream: stream) else { return self.notFound(context: context) }
            self.respond(
                context: context, status: .ok, contentType: ServerContext.playlistType,
                cacheControl: self.server.playlistCacheControl, body: .buffer(playlist)
            )
        case .mediaPlaylist(let stream, let rendition):
            self.answerMediaPlaylist(context: context, stream: stream, rendition: rendition)
        case .autoPlaylist(let stream):
            self.answerAutoPlaylist(context: context, stream: stream)
        case .autoMaster(let stream):
            self.answerAutoMaster(context: context, stream: stream)
        case .initSection(let stream, let rendition):
            guard let bytes = self.server.store.initSection(stream: stream, rendition: rendition) else {
                return self.notFound(context: context)
            }
            self.respond(
                context: context, status: .ok, contentType: ServerContext.initType,
                cacheControl: ServerContext.immutableCacheControl, body: .buffer(bytes)
            )
        case .segment(let stream, let rendition, let mediaSequence):
            self.answerSegment(context: context, stream: stream, rendition: rendition, mediaSequence: mediaSequence, mayWait: true)
        case .part(let stream, let rendition, let position):
            self.answerPart(context: context, stream: stream, rendition: rendition, position: position, mayWait: true)
        case .admin:
            self.answerAdmin(context: context, head: head)
        case .mesh:
            self.answerMesh(context: context, head: head)
        case .notFound:
            self.notFound(context: context)
        }
    }

    func notFound(context: ChannelHandlerContext) {
        self.respondText(context: context, status: .notFound, "not found\n")
    }

    private func methodNotAllowed(context: ChannelHandlerContext, allow: String) {
        self.respondText(context: context, status: .methodNotAllowed, "method not allowed\n", extraHeaders: [("allow", allow)])
    }

    private func answerReadiness(context: ChannelHandlerContext) {
        let waiting = self.server.store.readiness().filter { !$0.isProducing }.map(\.stream)
        if waiting.isEmpty {
            self.respondText(context: context, status: .ok, "ready\n")
        } else {
            self.respondText(context: context, status: .serviceUnavailable, "not producing: \(waiting.joined(separator: ", "))\n")
        }
    }

    // MARK: Media

    private func answerMediaPlaylist(context: ChannelHandlerContext, stream: Substring, rendition: Substring) {
        guard let directives = DeliveryDirectives.parse(self.query) else {
            return self.respondText(context: context, status: .badRequest, "bad delivery directive\n")
        }
        let isBlocking = directives.mediaSequence != nil
        let decision = self.server.store.decidePlaylistRequest(
            stream: stream, rendition: rendition, mediaSequence: directives.mediaSequence,
            partIndex: directives.partIndex, maxWaitSeconds: self.server.configuration.maxBlockingWaitSeconds
        )
        switch decision {
        case .notFound:
            self.notFound(context: context)
        case .badRequest:
            self.respondText(context: context, status: .badRequest, "_HLS_msn/_HLS_part too far beyond the live edge\n")
        case .ready:
            self.sendMediaPlaylist(context: context, stream: stream, rendition: rendition, isBlocking: isBlocking)
        case .wait(let target, let timeoutSeconds):
            self.server.store.wait(
                for: target, stream: String(stream), rendition: String(rendition),
                timeout: .nanoseconds(Int64(timeoutSeconds * 1e9)), on: context.eventLoop
            ).assumeIsolated().whenSuccess { outcome in
                guard self.isActive else { return }
                switch outcome {
                case .ready, .unavailable:
                    self.sendMediaPlaylist(context: context, stream: stream, rendition: rendition, isBlocking: isBlocking)
                case .timedOut:
                    self.respondText(context: context, status: .serviceUnavailable, "not produced in time\n")
                }
            }
        }
    }

    private func sendMediaPlaylist(context: ChannelHandlerContext, stream: Substring, rendition: Substring, isBlocking: Bool) {
        guard let playlist = self.server.store.mediaPlaylist(stream: stream, rendition: rendition) else {
            return self.respondText(context: context, status: .serviceUnavailable, "stream not started\n")
        }
        self.respond(
            context: context, status: .ok, contentType: ServerContext.playlistType,
            cacheControl: isBlocking ? self.server.blockingPlaylistCacheControl : self.server.playlistCacheControl,
            body: .buffer(playlist)
        )
    }

    private func answerSegment(
        context: ChannelHandlerContext, stream: Substring, rendition: Substring, mediaSequence: Int, mayWait: Bool
    ) {
        let store = self.server.store
        if let parts = store.segmentParts(stream: stream, rendition: rendition, mediaSequence: mediaSequence) {
            self.prepareDeliveryProbe(
                context: context, stream: stream, rendition: rendition,
                bodyBytes: parts.reduce(0) { $0 + $1.payload.readableBytes }, isSegment: true
            )
            return self.respond(
                context: context, status: .ok, contentType: ServerContext.mediaType,
                cacheControl: ServerContext.immutableCacheControl, body: .parts(parts)
            )
        }
        // Only the segment being produced (or the next) is worth waiting for.
        guard mayWait, let last = store.lastPosition(stream: stream, rendition: rendition),
              mediaSequence >= last.mediaSequence, mediaSequence <= last.mediaSequence + 1
        else { return self.notFound(context: context) }
        self.waitThenAnswer(context: context, target: .segment(mediaSequence), stream: stream, rendition: rendition) {
            self.answerSegment(context: context, stream: stream, rendition: rendition, mediaSequence: mediaSequence, mayWait: false)
        }
    }

    private func answerPart(
        context: ChannelHandlerContext, stream: Substring, rendition: Substring, position: PartPosition, mayWait: Bool
    ) {
        let store = self.server.store
        if let part = store.storedPart(stream: stream, rendition: rendition, position: position) {
            self.prepareDeliveryProbe(
                context: context, stream: stream, rendition: rendition, bodyBytes: part.payload.readableBytes, isSegment: false
            )
            return self.respond(
                context: context, status: .ok, contentType: ServerContext.mediaType,
                cacheControl: ServerContext.immutableCacheControl, body: .part(part)
            )
        }
        // The preload hint names the next part; a player may ask a little further ahead.
        guard mayWait, let last = store.lastPosition(stream: stream, rendition: rendition),
              position > last,
              position.mediaSequence <= last.mediaSequence + 1, position.partIndex <= self.server.store.configuration.maxPartsPerSegment
        else { return self.notFound(context: context) }
        self.waitThenAnswer(context: context, target: .part(position), stream: stream, rendition: rendition) {
            self.answerPart(context: context, stream: stream, rendition: rendition, position: position, mayWait: false)
        }
    }

    /// Parks the request in the store; answers with `retry` when the target lands, 503 when
    /// the hold times out, 404 when the target can never appear.
    private func waitThenAnswer(
        context: ChannelHandlerContext, target: WaitTarget, stream: Substring, rendition: Substring, retry: @escaping () -> Void
    ) {
        let store = self.server.store
        let seconds = store.mediaWaitSeconds(stream: stream, rendition: rendition, maxWaitSeconds: self.server.configuration.maxBlockingWaitSeconds)
        store.wait(
            for: target, stream: String(stream), rendition: String(rendition),
            timeout: .nanoseconds(Int64(seconds * 1e9)), on: context.eventLoop
        ).assumeIsolated().whenSuccess { outcome in
            guard self.isActive else { return }
            switch outcome {
            case .ready: retry()
            case .unavailable: self.notFound(context: context)
            case .timedOut: self.respondText(context: context, status: .serviceUnavailable, "not produced in time\n")
            }
        }
    }

    // MARK: Admin

    private func answerAdmin(context: ChannelHandlerContext, head: RequestHead) {
        answerPluggable(context: context, head: head, handler: self.server.adminHandler.withLock { $0 }, label: "admin")
    }

    /// Hands a request to a handler the service plugged in (`/admin/v1/...`, `/mesh/v1/...`):
    /// 404 when none is set, 413 for an oversized body, 500 when the handler fails.
    func answerPluggable(context: ChannelHandlerContext, head: RequestHead, handler: AdminHandler?, label: String) {
        if self.adminBodyTooLarge {
            return self.respondText(context: context, status: .payloadTooLarge, "body too large\n")
        }
        guard let handler else { return self.notFound(context: context) }
        let (path, query): (Substring, Substring?) = {
            guard let mark = head.uri.firstIndex(of: "?") else { return (head.uri[...], nil) }
            return (head.uri[..<mark], head.uri[head.uri.index(after: mark)...])
        }()
        let request = AdminRequest(
            method: head.method, path: String(path), query: query.map(String.init), headers: head.headers,
            body: self.adminBody ?? context.channel.allocator.buffer(capacity: 0)
        )
        handler(request, context.eventLoop).hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            guard self.isActive else { return }
            switch result {
            case .success(let response):
                self.respond(
                    context: context, status: response.status, contentType: response.contentType,
                    cacheControl: ServerContext.noStore, body: .buffer(response.body)
                )
            case .failure(let error):
                self.server.logger.warning("\(label) handler failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
                self.respondText(context: context, status: .internalServerError, "\(label) request failed\n")
            }
        }
    }
}
