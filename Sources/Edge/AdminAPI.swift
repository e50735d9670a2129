import Foundation
import NIOCore
import NIOHTTP1
import Relay

/// `/admin/v1/...`: `POST /admin/v1/reload` re-reads the configuration (as SIGHUP does);
/// `GET /admin/v1/streams` lists the streams and whether each is producing.
enum AdminAPI {
    static func handle(_ request: AdminRequest, node: EdgeNode) async -> AdminResponse {
        switch (request.method, request.path) {
        case (.POST, "/admin/v1/reload"):
            return await reload(node)
        case (.GET, "/admin/v1/streams"):
            let entries = node.store.readiness().map { "{\"name\":\(quoted($0.stream)),\"producing\":\($0.isProducing)}" }
            return .json("{\"streams\":[\(entries.joined(separator: ","))]}\n")
        case (_, "/admin/v1/reload"), (_, "/admin/v1/streams"):
            return AdminResponse(status: .methodNotAllowed, text: "method not allowed\n")
        default:
            return AdminResponse(status: .notFound, text: "no such admin endpoint: \(request.path)\n")
        }
    }

    /// Runs the reload off the event loops and the shared executor: it waits for sessions
    /// to drain.
    static func reload(_ node: EdgeNode) async -> AdminResponse {
        await withCheckedContinuation { (done: CheckedContinuation<AdminResponse, Never>) in
            DispatchQueue.global().async {
                do {
                    let summary = try node.reload()
                    done.resume(returning: .json(
                        "{\"added\":\(list(summary.added)),\"removed\":\(list(summary.removed)),"
                            + "\"restarted\":\(list(summary.restarted)),\"unchanged\":\(list(summary.unchanged))}\n"))
                } catch {
                    done.resume(returning: AdminResponse(status: .badRequest, text: "configuration rejected, the running one stays:\n\(error)\n"))
                }
            }
        }
    }

    private static func list(_ names: [String]) -> String { "[" + names.map(quoted).joined(separator: ",") + "]" }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
