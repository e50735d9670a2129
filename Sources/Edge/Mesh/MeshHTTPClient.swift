import Foundation
import NIOSSL

/// The puller's HTTP/1.1 client: blocking calls on the puller's own threads, one connection
/// per request, every step bounded by a timeout (connect, send, each read). `http://` peers
/// are read with a plain socket; `https://` peers through TLS (``TLSConnection``), with the
/// same timeouts, cancellation and progress reports. Reads `Content-Length` bodies only
/// (what mutstream's server sends), at most ``maximumBodyBytes``.
enum MeshHTTPClient {
    static let maximumBodyBytes = 64 << 20

    /// Where a peer listens, from its base URL (`http://host:port` or `https://host:port`).
    struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        var host: String
        var port: Int
        /// An `https://` peer: the request goes through TLS, and the peer's certificate must
        /// be valid for `host`.
        var usesTLS: Bool

        init?(baseURL: String) {
            guard let url = URL(string: baseURL), url.scheme == "http" || url.scheme == "https", let host = url.host, !host.isEmpty
            else { return nil }
            self.host = host
            self.usesTLS = url.scheme == "https"
            self.port = url.port ?? (usesTLS ? 443 : 80)
        }

        var description: String { "\(host):\(port)" }
    }

    struct Response {
        var status: Int
        var body: [UInt8]
        /// Bytes the exchange put on the connection, both ways: request, response head and
        /// body (HTTP bytes: TLS framing is not counted).
        var wireBytes = 0
    }

    enum Failure: Error, CustomStringConvertible {
        case connect(String)
        case timedOut
        case closed
        case malformed(String)
        /// The TLS handshake failed: the peer's certificate is not trusted or not valid for
        /// its name, or the peer does not speak TLS.
        case tls(String)

        var description: String {
            switch self {
            case .connect(let why): "connect: \(why)"
            case .timedOut: "timed out"
            case .closed: "connection closed early"
            case .malformed(let why): "malformed response: \(why)"
            case .tls(let why): "TLS: \(why)"
            }
        }
    }

    /// GET `target` (path and query) from `endpoint`; `tls` checks `https://` peers.
    static func get(_ endpoint: Endpoint, target: String, authorization: String?, headers: [(String, String)] = [],
                    tls: NIOSSLContext?, timeoutSeconds: Double) throws(Failure) -> Response {
        try request(endpoint, method: "GET", target: target, authorization: authorization, headers: headers, body: nil,
                    tls: tls, timeoutSeconds: timeoutSeconds)
    }

    /// One request on its own connection. `tls` is the context `https://` peers are checked
    /// with (a request to one without it fails). `cancellation` aborts it from another thread
    /// (it then throws `.closed`); `onBodyBytes` hears of every piece of the body as it
    /// arrives (the puller's silence detection and throughput samples), on the calling thread.
    static func request(
        _ endpoint: Endpoint, method: String, target: String, authorization: String?, headers: [(String, String)] = [],
        body: [UInt8]?, tls: NIOSSLContext?, timeoutSeconds: Double,
        cancellation: RequestCancellation? = nil, onBodyBytes: ((Int) -> Void)? = nil
    ) throws(Failure) -> Response {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(endpoint)\r\nConnection: close\r\n"
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + (body ?? [])
        var response: Response
        if endpoint.usesTLS {
            guard let tls else { throw .tls("no TLS context for an https:// peer") }
            let connection = try TLSConnection.open(endpoint, context: tls, connectTimeoutSeconds: min(timeoutSeconds, 3),
                                                   readTimeoutSeconds: timeoutSeconds)
            defer {
                cancellation?.detach()
                connection.close()
            }
            if let cancellation, !cancellation.attach(abort: connection.abort) { throw .closed }
            connection.send(request)
            response = try readResponse(receive: connection.receive, onBodyBytes: onBodyBytes)
        } else {
            let socket = try PlainSocket.open(endpoint, connectTimeoutSeconds: min(timeoutSeconds, 3), timeoutSeconds: timeoutSeconds)
            defer {
                cancellation?.detach()
                socket.close()
            }
            if let cancellation, !cancellation.attach(socket.descriptor) { throw .closed }
            try socket.send(request)
            response = try readResponse(receive: socket.receive, onBodyBytes: onBodyBytes)
        }
        response.wireBytes += request.count
        return response
    }
}
