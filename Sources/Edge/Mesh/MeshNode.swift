import Logging
import Mesh
import NIOSSL
import Pipeline
import Profiles
import Relay
import Synchronization

/// The mesh side of an edge box: its keys, the ledger of signed entries, the peer table, the
/// `/mesh/v1/` handler, the signing of transcoded streams and the pullers of relayed ones.
final class MeshNode: Sendable {
    let nodeID: String
    let keys: MeshKeys
    let ledger: MeshLedger
    let peers: MeshPeerTable
    let peerLinks: MeshPeerLinks
    let metrics: MeshMetrics
    /// How `https://` upstreams are checked; a reload replaces its context.
    let clientTLS: MeshClientTLS
    private let store: ChunkStore
    private let logger: Logger
    private let longPollSeconds: Double
    private let pullIdleSeconds: Double
    private let pullers = Mutex<[String: MeshPuller]>([:])
    private let exchange = Mutex<PeerExchange?>(nil)

    init(configuration: NodeConfig, clientTLS: NIOSSLContext, store: ChunkStore, registry: MetricsRegistry, logger: Logger) throws {
        nodeID = configuration.nodeID
        self.clientTLS = MeshClientTLS(clientTLS)
        keys = try MeshKeys.load(configuration)
        ledger = MeshLedger(windowSegments: configuration.limits.windowSegments)
        let upstreams = configuration.streams.flatMap { stream -> [String] in
            if case .upstreams(let urls) = stream.input { return urls }
            return []
        }
        peers = MeshPeerTable(configured: configuration.mesh.seedPeers + upstreams)
        metrics = MeshMetrics(registry: registry)
        peerLinks = MeshPeerLinks(registry: registry)
        self.store = store
        self.logger = logger
        longPollSeconds = min(5, configuration.limits.blockingRequestTimeoutSeconds)
        pullIdleSeconds = configuration.limits.idlePullSeconds
        if keys.authenticator == nil { logger.notice("mesh: no mesh.secret_file; /mesh/v1/ answers 401 and relayed streams cannot pull") }
    }

    /// The `/mesh/v1/` handler.
    var handler: MeshHandler {
        let api = MeshAPI(nodeID: nodeID, authenticator: keys.authenticator, ledger: ledger, store: store, peers: peers,
                          peerLinks: peerLinks, metrics: metrics, logger: logger, maximumWaitSeconds: longPollSeconds)
        return { request, eventLoop in api.handle(request, on: eventLoop) }
    }

    /// The sink a transcoded stream publishes through: signing in front of the store when
    /// this box has a signing key.
    func sink(wrapping inner: any MediaSink, stream: String) -> any MediaSink {
        guard let signer = keys.signer else { return inner }
        return SigningSink(wrapping: inner, stream: stream, signer: signer, ledger: ledger, logger: logger)
    }

    /// Starts pulling a relayed stream.
    func startRelay(_ stream: StreamConfig) {
        guard case .upstreams(let urls) = stream.input else { return }
        guard let authenticator = keys.authenticator else {
            return logger.error("stream \(stream.name) is relayed but mesh.secret_file is not set: it cannot pull")
        }
        guard let key = stream.originPublicKey else {
            return logger.error("stream \(stream.name) is relayed but has no origin_public_key: nothing could be verified")
        }
        let verifier: IndexVerifier
        do { verifier = try IndexVerifier(publicKeyBase64: key) } catch {
            return logger.error("stream \(stream.name): \(error)")
        }
        let puller = MeshPuller(
            settings: .init(nodeID: nodeID, stream: stream.name, upstreams: urls, verifier: verifier,
                            authenticator: authenticator, tls: clientTLS, longPollSeconds: longPollSeconds,
                            pullIdleSeconds: pullIdleSeconds, pinnedRenditions: stream.pinnedRenditions),
            store: store, ledger: ledger, metrics: metrics, logger: logger)
        pullers.withLock { $0[stream.name] = puller }
        puller.start()
    }

    /// Stops a stream's mesh work: its puller, or its offer if transcoded here.
    func stopStream(_ name: String) {
        pullers.withLock { $0.removeValue(forKey: name) }?.stop()
        ledger.removeStream(name)
    }

    /// Starts peer exchange (a box without a mesh secret has no peers to talk to).
    func start() {
        guard let authenticator = keys.authenticator, !peers.all.isEmpty else { return }
        let exchange = PeerExchange(nodeID: nodeID, peers: peers, authenticator: authenticator, tls: clientTLS, metrics: metrics,
                                    logger: logger)
        self.exchange.withLock { $0 = exchange }
        exchange.start()
    }

    /// Stops every puller and the peer exchange.
    func shutdown() {
        exchange.withLock { $0 }?.stop()
        for puller in pullers.withLock({ state in defer { state = [:] }; return Array(state.values) }) { puller.stop() }
    }
}
