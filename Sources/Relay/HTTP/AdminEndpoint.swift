import NIOCore
import NIOHTTP1

/// A request under `/admin/v1/`, handed whole (body included) to the admin handler.
public struct AdminRequest: Sendable {
    /// GET, HEAD or POST.
    public var method: HTTPMethod
    /// The path, e.g. `/admin/v1/reload`.
    public var path: String
    /// The query string without `?`, if any.
    public var query: String?
    /// Request headers.
    public var headers: HTTPHeaders
    /// Request body (at most ``HTTPServerConfiguration/maxAdminBodyBytes``).
    public var body: ByteBuffer
}

/// The admin handler's answer.
public struct AdminResponse: Sendable {
    /// Status code.
    public var status: HTTPResponseStatus
    /// `Content-Type` of the body.
    public var contentType: String
    /// Body bytes.
    public var body: ByteBuffer

    /// A response with a body of the given type.
    public init(status: HTTPResponseStatus, contentType: String, body: ByteBuffer) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// A plain-text response.
    public init(status: HTTPResponseStatus, text: String) {
        self.init(status: status, contentType: "text/plain; charset=utf-8", body: ByteBuffer(string: text))
    }

    /// A JSON response from already-encoded JSON text.
    public static func json(_ json: String, status: HTTPResponseStatus = .ok) -> AdminResponse {
        AdminResponse(status: status, contentType: "application/json", body: ByteBuffer(string: json))
    }
}

/// Answers `/admin/v1/...` requests. It runs on the connection's event loop and must not
/// block it: return a future, completing a promise from wherever slow work runs (the
/// service's reload completes one from a dispatch queue).
public typealias AdminHandler = @Sendable (AdminRequest, any EventLoop) -> EventLoopFuture<AdminResponse>
