import Foundation
import NIOCore
import NIOHTTP1
import Relay

/// `/admin/v1/...`: `POST /admin/v1/reload` re-reads the configuration (as SIGHUP does);
/// `GET /admin/v1/streams` lists the streams and whether each is producing;
/// `GET /admin/v1/sessions[?limit=N]` the most recently seen auto-playlist sessions;
/// `GET /admin/v1/peers` the downstream mesh peers: measured link, renditions offered.
enum AdminAPI {
    static func handle(_ request: AdminRequest, node: EdgeNode, eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        switch (request.method, request.path) {
        case (.POST, "/admin/v1/reload"):
            return reload(node, eventLoop: eventLoop)
        case (.GET, "/admin/v1/streams"):
            let entries = node.store.readiness().map { "{\"name\":\(quoted($0.stream)),\"producing\":\($0.isProducing)}" }
            return eventLoop.makeSucceededFuture(.json("{\"streams\":[\(entries.joined(separator: ","))]}\n"))
        case (.GET, "/admin/v1/sessions"):
            return eventLoop.makeSucceededFuture(sessions(node.autoSessions, query: request.query))
        case (.GET, "/admin/v1/peers"):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = (try? encoder.encode(["peers": node.meshPeerSummaries])).map { String(decoding: $0, as: UTF8.self) } ?? "{\"peers\":[]}"
            return eventLoop.makeSucceededFuture(.json(body + "\n"))
        case (_, "/admin/v1/reload"), (_, "/admin/v1/streams"), (_, "/admin/v1/sessions"), (_, "/admin/v1/peers"):
            return eventLoop.makeSucceededFuture(AdminResponse(status: .methodNotAllowed, text: "method not allowed\n"))
        default:
            return eventLoop.makeSucceededFuture(AdminResponse(status: .notFound, text: "no such admin endpoint: \(request.path)\n"))
        }
    }

    /// Runs the reload on a dispatch queue, off the event loops and the shared executor (it
    /// waits for sessions to drain), and completes the response from there.
    static func reload(_ node: EdgeNode, eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        let promise = eventLoop.makePromise(of: AdminResponse.self)
        DispatchQueue.global().async {
            do {
                let summary = try node.reload()
                promise.succeed(.json(
                    "{\"added\":\(list(summary.added)),\"removed\":\(list(summary.removed)),"
                        + "\"restarted\":\(list(summary.restarted)),\"unchanged\":\(list(summary.unchanged))}\n"))
            } catch {
                promise.succeed(AdminResponse(status: .badRequest, text: "configuration rejected, the running one stays:\n\(error)\n"))
            }
        }
        return promise.futureResult
    }

    /// The most recently seen sessions (100 unless `limit=N`, at most 1,000), newest first,
    /// with the path estimate and the choices of each.
    static func sessions(_ table: AutoSessionTable, query: String?) -> AdminResponse {
        var limit = 100
        for pair in (query ?? "").split(separator: "&") where pair.hasPrefix("limit=") {
            guard let value = Int(pair.dropFirst("limit=".count)), value >= 0 else {
                return AdminResponse(status: .badRequest, text: "limit must be a whole number\n")
            }
            limit = min(value, 1_000)
        }
        let entries = table.summaries(limit: limit).map { summary in
            "{\"id\":\(quoted(summary.id)),\"stream\":\(quoted(summary.stream)),\"matched_by\":\(quoted(summary.keyKind.rawValue)),"
                + "\"rendition\":\(summary.rendition.map(quoted) ?? "null"),"
                + "\"estimated_throughput_bits_per_second\":\(number(summary.estimatedThroughputBitsPerSecond)),"
                + "\"rtt_seconds\":\(number(summary.rttSeconds)),\"min_rtt_seconds\":\(number(summary.minRTTSeconds)),"
                + "\"client_buffer_seconds\":\(number(summary.clientBufferSeconds)),"
                + "\"switches\":{\"up\":\(summary.upSwitches),\"down\":\(summary.downSwitches)},"
                + "\"client_stalls\":\(summary.clientStalls),\"deliveries\":\(summary.deliveries),"
                + "\"idle_seconds\":\(number(summary.idleSeconds)),\"age_seconds\":\(number(summary.ageSeconds))}"
        }
        return .json("{\"total\":\(table.count),\"sessions\":[\(entries.joined(separator: ","))]}\n")
    }

    private static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return String(format: "%.6g", value)
    }

    private static func list(_ names: [String]) -> String { "[" + names.map(quoted).joined(separator: ",") + "]" }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
