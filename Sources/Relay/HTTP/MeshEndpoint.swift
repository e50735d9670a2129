import NIOCore

/// Answers `/mesh/v1/...` requests (the peer API: catalog, signed index, chunks, peers).
///
/// The same shape as ``AdminHandler``: the request arrives whole (a POST body is capped at
/// ``HTTPServerConfiguration/maxAdminBodyBytes``), the handler runs on the connection's
/// event loop and must not block it — long-polls return a future completed later. The
/// handler does its own authentication (401) and routing below `/mesh/v1/`.
public typealias MeshHandler = @Sendable (AdminRequest, any EventLoop) -> EventLoopFuture<AdminResponse>

extension Route {
    /// Routes whose handler takes POST requests with a body.
    var acceptsPost: Bool {
        switch self {
        case .admin, .mesh: true
        default: false
        }
    }
}
