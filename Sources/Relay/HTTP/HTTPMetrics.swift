import NIOHTTP1
import Synchronization

/// The routes as metric labels: a closed set, so label cardinality is fixed.
enum RouteLabel: Int, CaseIterable {
    case master, playlist, initSection, segment, part, metrics, healthz, readyz, admin, other, auto

    var name: String {
        switch self {
        case .master: "master"
        case .playlist: "playlist"
        case .initSection: "init"
        case .segment: "segment"
        case .part: "part"
        case .metrics: "metrics"
        case .healthz: "healthz"
        case .readyz: "readyz"
        case .admin: "admin"
        case .other: "other"
        case .auto: "auto"
        }
    }
}

/// The server's own metrics, with every series looked up once at start so that recording
/// a request is a few atomic adds.
final class HTTPMetrics: Sendable {
    /// Status codes exported as themselves; anything else is counted as "other".
    static let codes: [UInt] = [200, 400, 404, 405, 413, 500, 503]

    private let requests: [[Counter]]
    private let responseBytes: [Counter]
    private let latency: [Histogram]
    let connectionsAccepted: Counter
    let connectionsRejected: Counter
    /// Part responses the part loops sent (the rest of the `part` route went through NIO).
    let partLoopResponses: Counter
    /// Response bytes handed to NIO and not yet written to a socket, over all connections.
    let bufferedResponseBytes = Atomic<Int>(0)

    init(registry: MetricsRegistry) {
        let requestFamily = registry.counter(
            "mutstream_http_requests_total", help: "HTTP requests answered, by route and status code.",
            labelNames: ["route", "code"]
        )
        let bytesFamily = registry.counter(
            "mutstream_http_response_body_bytes_total", help: "HTTP response body bytes, by route.",
            labelNames: ["route"]
        )
        let latencyFamily = registry.histogram(
            "mutstream_http_request_duration_seconds",
            help: "Time from request head to response queued, including blocking waits, by route.",
            labelNames: ["route"]
        )
        let codeNames = Self.codes.map(String.init) + ["other"]
        self.requests = RouteLabel.allCases.map { route in codeNames.map { requestFamily.labels(route.name, $0) } }
        self.responseBytes = RouteLabel.allCases.map { bytesFamily.labels($0.name) }
        self.latency = RouteLabel.allCases.map { latencyFamily.labels($0.name) }
        self.connectionsAccepted = registry.counter(
            "mutstream_http_connections_accepted_total", help: "TCP connections accepted."
        ).labels()
        self.connectionsRejected = registry.counter(
            "mutstream_http_connections_rejected_total", help: "TCP connections refused because maxConnections were open."
        ).labels()
        self.partLoopResponses = registry.counter(
            "mutstream_http_part_loop_responses_total",
            help: "Part responses sent by the part loops (epoll and sendfile), without SwiftNIO; included in the requests total."
        ).labels()
    }

    func record(route: RouteLabel, status: HTTPResponseStatus, bodyBytes: Int, seconds: Double) {
        let code = status.code
        let codeIndex = Self.codes.firstIndex(of: code) ?? Self.codes.count
        self.requests[route.rawValue][codeIndex].increment()
        self.responseBytes[route.rawValue].increment(by: UInt64(bodyBytes))
        self.latency[route.rawValue].observe(seconds)
    }
}
