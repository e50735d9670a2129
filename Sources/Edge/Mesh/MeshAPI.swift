import Foundation
import Logging
import Mesh
import NIOCore
import NIOHTTP1
import Relay

/// The mesh API on the box's HTTP listener (README "Mesh"):
///
/// - `GET /mesh/v1/catalog` — streams, renditions with bitrates, the path each came through;
///   to each peer only the renditions its link carries (``MeshPeerLinks``)
/// - `GET /mesh/v1/index/{stream}/{rendition}[?after=MSN.PART]` — signed entries as JSON
///   lines; long-polls (bounded) until one newer than `after` exists
/// - `GET /mesh/v1/index/{stream}/{rendition}/init` — the init section's signed entry
/// - `GET /mesh/v1/chunks/{stream}/{rendition}/{msn}.{part}` — a part's bytes (waits for it
///   like a part request); `…/init` — the init section
/// - `GET /mesh/v1/peers`, `POST /mesh/v1/peers` — peer exchange
///
/// Every request needs a valid `Authorization: Mutstream-Mesh …` credential, else 401.
struct MeshAPI: Sendable {
    let nodeID: String
    let authenticator: MeshAuthenticator?
    let ledger: MeshLedger
    let store: ChunkStore
    let peers: MeshPeerTable
    /// The renditions offered to each downstream peer, from its link.
    let peerLinks: MeshPeerLinks
    let metrics: MeshMetrics
    let logger: Logger
    /// Longest hold of an index long-poll or a chunk wait.
    let maximumWaitSeconds: Double

    func handle(_ request: AdminRequest, on eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        let target = request.path + (request.query.map { "?" + $0 } ?? "")
        guard let authenticator else { return unauthorized(request, "this box has no mesh.secret_file", on: eventLoop) }
        let peer: String
        do {
            peer = try authenticator.verify(
                headerValue: request.headers.first(name: "authorization"), method: request.method.rawValue, target: target,
                unixTimeSeconds: Int64(Date().timeIntervalSince1970))
        } catch {
            return unauthorized(request, error.description, on: eventLoop)
        }
        let components = request.path.dropFirst("/mesh/v1/".count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch (request.method, components.first ?? "", components.count) {
        case (.GET, "catalog", 1), (.HEAD, "catalog", 1):
            peerLinks.heard(from: peer, report: request.headers.first(name: MeshPeerLinks.headerName))
            return eventLoop.makeSucceededFuture(json(peerLinks.catalog(ledger.catalog(nodeID: nodeID), for: peer)))
        case (.GET, "index", 3):
            // A downstream peer's index poll is a read: a relay keeps pulling what it is asked for.
            store.noteRead(stream: components[1], rendition: components[2])
            return index(stream: components[1], rendition: components[2], query: request.query, on: eventLoop)
        case (.GET, "index", 4) where components[3] == "init":
            guard let entry = ledger.initEntry(stream: components[1], rendition: components[2]) else { return notFound(eventLoop) }
            return eventLoop.makeSucceededFuture(.json(Self.line(entry)))
        case (.GET, "chunks", 4), (.HEAD, "chunks", 4):
            return chunk(stream: components[1], rendition: components[2], name: components[3], on: eventLoop)
        case (.GET, "peers", 1):
            return eventLoop.makeSucceededFuture(json(PeerList(node: nodeID, peers: peers.all)))
        case (.POST, "peers", 1):
            guard let list = try? JSONDecoder().decode(PeerList.self, from: Data(request.body.readableBytesView)) else {
                return eventLoop.makeSucceededFuture(AdminResponse(status: .badRequest, text: "expected {\"node\":…,\"peers\":[…]}\n"))
            }
            peers.announce(list.peers)
            return eventLoop.makeSucceededFuture(json(PeerList(node: nodeID, peers: peers.all)))
        default:
            return notFound(eventLoop)
        }
    }

    /// The body of `/mesh/v1/peers`: a box's node id and the peer base URLs it knows.
    struct PeerList: Codable {
        var node: String
        var peers: [String]
    }

    private func index(stream: String, rendition: String, query: String?, on eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        guard let offered = ledger.catalogEntry(stream: stream), offered.renditions.contains(where: { $0.name == rendition }) else {
            return notFound(eventLoop)
        }
        var after: ChunkID?
        for pair in (query ?? "").split(separator: "&") where pair.hasPrefix("after=") {
            let parts = pair.dropFirst("after=".count).split(separator: ".")
            guard parts.count == 2, let msn = UInt64(parts[0]), let part = UInt32(parts[1]) else {
                return eventLoop.makeSucceededFuture(AdminResponse(status: .badRequest, text: "after=MSN.PART expected\n"))
            }
            after = ChunkID(stream: stream, rendition: rendition, mediaSequence: msn, partIndex: part)
        }
        let timeout = TimeAmount.nanoseconds(Int64(maximumWaitSeconds * 1e9))
        return ledger.entries(stream: stream, rendition: rendition, after: after, timeout: timeout, on: eventLoop).map { entries in
            AdminResponse(status: .ok, contentType: "application/x-ndjson",
                          body: ByteBuffer(string: entries.map(Self.line).joined()))
        }
    }

    private func chunk(stream: String, rendition: String, name: String, on eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        if name == "init" {
            guard let bytes = store.initSection(stream: stream, rendition: rendition) else { return notFound(eventLoop) }
            return eventLoop.makeSucceededFuture(AdminResponse(status: .ok, contentType: "video/mp4", body: bytes))
        }
        let parts = name.split(separator: ".")
        guard parts.count == 2, let msn = Int(parts[0]), let index = Int(parts[1]), msn >= 0, index >= 0 else { return notFound(eventLoop) }
        let position = PartPosition(mediaSequence: msn, partIndex: index)
        if let payload = store.part(stream: stream, rendition: rendition, position: position) {
            return eventLoop.makeSucceededFuture(AdminResponse(status: .ok, contentType: "video/iso.segment", body: payload))
        }
        let seconds = store.mediaWaitSeconds(stream: stream, rendition: rendition, maxWaitSeconds: maximumWaitSeconds)
        let store = self.store
        return store.wait(for: .part(position), stream: stream, rendition: rendition,
                          timeout: .nanoseconds(Int64(seconds * 1e9)), on: eventLoop).map { outcome in
            switch outcome {
            case .ready:
                guard let payload = store.part(stream: stream, rendition: rendition, position: position) else {
                    return AdminResponse(status: .notFound, text: "not in the window\n")
                }
                return AdminResponse(status: .ok, contentType: "video/iso.segment", body: payload)
            case .unavailable:
                return AdminResponse(status: .notFound, text: "not in the window\n")
            case .timedOut:
                return AdminResponse(status: .serviceUnavailable, text: "not produced in time\n")
            }
        }
    }

    private func unauthorized(_ request: AdminRequest, _ why: String, on eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        metrics.unauthorized.increment()
        logger.debug("mesh request refused", metadata: ["path": "\(request.path)", "reason": "\(why)"])
        return eventLoop.makeSucceededFuture(AdminResponse(status: .unauthorized, text: "mesh credential required: \(why)\n"))
    }

    private func notFound(_ eventLoop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        eventLoop.makeSucceededFuture(AdminResponse(status: .notFound, text: "not found\n"))
    }

    private func json(_ value: some Encodable) -> AdminResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return AdminResponse(status: .ok, contentType: "application/json", body: ByteBuffer(bytes: data))
    }

    /// One JSON line of a signed entry.
    static func line(_ entry: SignedIndexEntry) -> String {
        let data = (try? JSONEncoder().encode(entry)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
