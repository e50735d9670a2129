import Foundation
import Logging
import Mesh
import Relay
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Peer exchange: every ``intervalSeconds`` (the first round soon after start) this box
/// posts the peers it knows to each of them (`POST /mesh/v1/peers`) and adds the ones they
/// answer with, so boxes learn of peers from their seeds and from each other. A peer that
/// does not answer is skipped until the next round; the table stays bounded
/// (``MeshPeerTable/maximumPeers``). Learned peers are listed (`GET /mesh/v1/peers`,
/// `mutstream_mesh_known_peers`) for operators and tools; a relay pulls only from the
/// upstreams its configuration names.
final class PeerExchange: Sendable {
    static let intervalSeconds = 30.0
    static let firstRoundSeconds = 2.0

    private let nodeID: String
    private let peers: MeshPeerTable
    private let authenticator: MeshAuthenticator
    private let tls: MeshClientTLS
    private let metrics: MeshMetrics
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)

    init(nodeID: String, peers: MeshPeerTable, authenticator: MeshAuthenticator, tls: MeshClientTLS, metrics: MeshMetrics,
         logger: Logger) {
        self.tls = tls
        self.nodeID = nodeID
        self.peers = peers
        self.authenticator = authenticator
        self.metrics = metrics
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            var wait = Self.firstRoundSeconds
            while sleep(wait) {
                round()
                wait = Self.intervalSeconds
            }
        }
        thread.name = "mesh-peer-exchange"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Sleeps in short steps; false once stopped.
    private func sleep(_ seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if stopped.load(ordering: .relaxed) { return false }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return !stopped.load(ordering: .relaxed)
    }

    /// One exchange with every known peer.
    func round() {
        for url in peers.all {
            guard !stopped.load(ordering: .relaxed), let endpoint = MeshHTTPClient.Endpoint(baseURL: url) else { continue }
            let list = MeshAPI.PeerList(node: nodeID, peers: peers.all)
            guard let body = try? JSONEncoder().encode(list) else { continue }
            let target = "/mesh/v1/peers"
            let credential = authenticator.headerValue(
                nodeID: nodeID, method: "POST", target: target, unixTimeSeconds: Int64(Date().timeIntervalSince1970))
            do {
                let response = try MeshHTTPClient.request(
                    endpoint, method: "POST", target: target, authorization: credential, body: Array(body), tls: tls.current,
                    timeoutSeconds: 2)
                metrics.pullWireBytes.labels("peers").increment(by: UInt64(response.wireBytes))
                guard response.status == 200, let answer = try? JSONDecoder().decode(MeshAPI.PeerList.self, from: Data(response.body)) else {
                    continue
                }
                let added = peers.announce(answer.peers)
                if added > 0 { logger.info("peer exchange: \(added) new peer(s) from \(answer.node)") }
            } catch {
                logger.debug("peer exchange with \(url) failed: \(error)")
            }
        }
        metrics.knownPeers.set(peers.all.count)
    }
}
