import NIOCore
import NIOHTTP1

extension HTTPConnectionHandler {
    /// Hands a `/mesh/v1/...` request to the mesh handler (404 when none is set).
    func answerMesh(context: ChannelHandlerContext, head: HTTPRequestHead) {
        if self.adminBodyTooLarge {
            return self.respondText(context: context, status: .payloadTooLarge, "body too large\n")
        }
        guard let handler = self.server.meshHandler.withLock({ $0 }) else { return self.notFound(context: context) }
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
                self.server.logger.warning("mesh handler failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
                self.respondText(context: context, status: .internalServerError, "mesh request failed\n")
            }
        }
    }
}
