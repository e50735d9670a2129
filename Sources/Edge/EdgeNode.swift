import Foundation
import Logging
import NIOCore
import Pipeline
import Profiles
import Relay
import Synchronization

/// The edge box: one chunk store, one HTTP listener, one transcoding session per configured
/// stream. Owns the streams' lifecycle: start, reload (only what changed), drain.
public final class EdgeNode: Sendable {
    /// Where the configuration comes from: a file, or the built-in demo.
    public enum ConfigurationSource: Sendable {
        case file(path: String, profilesDirectory: String?)
        case demo(profilePath: String?)
    }

    public let store: ChunkStore
    public let registry = MetricsRegistry()
    private let server: HTTPServer
    private let source: ConfigurationSource
    private let logger: Logger
    private let metricsBridge: PipelineMetricsBridge
    private let mesh: MeshNode
    private let state: Mutex<State>

    private struct State {
        var configuration: NodeConfig
        var runners: [String: StreamRunner] = [:]
    }

    /// Loads and validates the configuration; throws what is wrong with it (file: field: reason).
    public init(source: ConfigurationSource, logger: Logger) throws {
        self.source = source
        self.logger = logger
        let configuration = try Self.load(source)
        try Self.checkIngest(configuration)
        let serverTLS = try TLSSetup.serverContext(configuration, configFile: source.configFile)
        let clientTLS = try TLSSetup.clientContext(configuration, configFile: source.configFile)
        store = ChunkStore(configuration: ChunkStoreConfiguration(windowSegments: configuration.limits.windowSegments))
        // Everything that can throw runs before the server exists: a server dropped unstarted
        // leaks its shutdown promise.
        mesh = try MeshNode(configuration: configuration, clientTLS: clientTLS, store: store, registry: registry, logger: logger)
        var http = HTTPServerConfiguration(host: configuration.listen.host, port: configuration.listen.port)
        http.maxConnections = configuration.limits.maxConnections
        http.writeBufferHighWaterMarkBytes = configuration.limits.perConnectionBufferBytes
        http.writeBufferLowWaterMarkBytes = max(4096, configuration.limits.perConnectionBufferBytes / 4)
        http.maxBlockingWaitSeconds = configuration.limits.blockingRequestTimeoutSeconds
        server = HTTPServer(configuration: http, store: store, metrics: registry, logger: logger)
        server.setTLSContext(serverTLS)
        metricsBridge = PipelineMetricsBridge(registry: registry)
        state = Mutex(State(configuration: configuration))
        server.setMeshHandler(mesh.handler)
    }

    /// `https` when the listener serves TLS, else `http`: the scheme of this box's URLs.
    public var urlScheme: String { server.servesTLS ? "https" : "http" }

    /// The configuration in force.
    public var configuration: NodeConfig { state.withLock { $0.configuration } }

    /// What this box knows of its downstream mesh peers' links and what it offers each.
    var meshPeerSummaries: [MeshPeerLinks.Summary] { mesh.peerLinks.summaries() }

    /// The adaptive sessions of the `auto` playlists.
    public var autoSessions: AutoSessionTable { server.autoSessions }

    /// Binds the listener and starts every stream; returns the bound port.
    public func start() async throws -> Int {
        let port = try await server.start()
        let streams = configuration.streams
        for stream in streams { startStream(stream) }
        mesh.start()
        logger.info("listening on \(configuration.listen.host):\(port) with \(streams.count) stream(s)")
        return port
    }

    /// Sets the handler for `/admin/v1/...`.
    public func setAdminHandler(_ handler: @escaping AdminHandler) {
        server.setAdminHandler(handler)
    }

    /// Copies the sessions' counters into the metrics; called once a second.
    public func refreshMetrics() {
        metricsBridge.update(state.withLock { Array($0.runners.values) })
    }

    /// Names of the streams not producing (what `/readyz` reports).
    public var streamsNotReady: [String] { store.readiness().filter { !$0.isProducing }.map(\.stream) }

    /// Re-reads the configuration and its profiles. A stream whose settings or profile changed
    /// is restarted; new streams start; removed ones stop; the others are not touched. An
    /// invalid configuration changes nothing and is returned as the error.
    public func reload() throws -> ReloadSummary {
        let next = try Self.load(source)
        try Self.checkIngest(next)
        // The TLS files are read again (a renewed certificate, a new CA); a bad one rejects
        // the reload before anything changes.
        let serverTLS = try TLSSetup.serverContext(next, configFile: source.configFile)
        let clientTLS = try TLSSetup.clientContext(next, configFile: source.configFile)
        let (previous, runners) = state.withLock { ($0.configuration, $0.runners) }
        if next.listen != previous.listen {
            logger.warning("listen changed to \(next.listen); it takes effect on restart")
        }
        if next.mesh.servesTLS != previous.mesh.servesTLS {
            logger.warning("the listener \(next.mesh.servesTLS ? "gains" : "loses") TLS on restart; until then it stays \(previous.mesh.servesTLS ? "HTTPS" : "plain HTTP")")
        } else if let serverTLS {
            server.setTLSContext(serverTLS)
        }
        mesh.clientTLS.replace(clientTLS)
        let old = Dictionary(uniqueKeysWithValues: previous.streams.map { ($0.name, $0) })
        let new = Dictionary(uniqueKeysWithValues: next.streams.map { ($0.name, $0) })
        var summary = ReloadSummary()
        for name in old.keys.sorted() where new[name] != old[name] {
            runners[name].map(stopStream)
            mesh.stopStream(name)
            store.removeStream(name)
            if new[name] == nil { summary.removed.append(name) } else { summary.restarted.append(name) }
        }
        state.withLock { $0.configuration = next }
        for stream in next.streams {
            if old[stream.name] == nil { summary.added.append(stream.name) }
            if old[stream.name] != stream { startStream(stream) } else { summary.unchanged.append(stream.name) }
        }
        logger.info("configuration reloaded: \(summary)")
        return summary
    }

    /// Drains: every session finishes its open segment (playlists end), then the listener
    /// stops accepting and closes once in-flight requests are answered.
    public func shutdown() async {
        let runners = state.withLock { state in
            defer { state.runners = [:] }
            return Array(state.runners.values)
        }
        mesh.shutdown()
        for runner in runners { runner.session.stop() }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                for runner in runners { runner.stop() }
                done.resume()
            }
        }
        await server.shutdown()
    }

    private func startStream(_ stream: StreamConfig) {
        guard !stream.isRelayed, let profile = stream.profile else { return mesh.startRelay(stream) }
        do {
            let mesh = self.mesh
            let runner = try StreamRunner(configuration: stream, profile: profile, store: store, logger: logger) { sink in
                mesh.sink(wrapping: sink, stream: stream.name)
            }
            // Registered before the source connects, so /readyz lists it as not producing.
            let descriptors = RenditionPlan(profile: profile).descriptors(hasAudio: profile.audio != nil) { _ in "avc1.640028" }
            StoreSink(stream: stream.name, store: store, logger: logger).begin(renditions: descriptors)
            state.withLock { $0.runners[stream.name] = runner }
            runner.start()
        } catch {
            logger.error("stream \(stream.name) cannot start: \(error)")
        }
    }

    private func stopStream(_ runner: StreamRunner) {
        if !runner.stop() { logger.warning("stream \(runner.name) did not stop within 10 s") }
        state.withLock { _ = $0.runners.removeValue(forKey: runner.name) }
        metricsBridge.forget(stream: runner.name, renditions: runner.configuration.profile?.video.renditions.map(\.name) ?? [])
    }

    private static func load(_ source: ConfigurationSource) throws -> NodeConfig {
        switch source {
        case .file(let path, let profilesDirectory):
            return try NodeConfig.load(contentsOf: path, profilesDirectory: profilesDirectory)
        case .demo(let profilePath):
            let profile = try profilePath.map { try Profile.load(contentsOf: $0) } ?? Profile.parse(yaml: Profile.embeddedDefaultYAML, file: "<built-in default profile>")
            return NodeConfig.demo(profile: profile)
        }
    }

    /// Ingest keys are checked with the configuration, so a bad one fails start or reload.
    private static func checkIngest(_ configuration: NodeConfig) throws {
        for stream in configuration.streams where !stream.isRelayed {
            _ = try IngestSource.spec(for: stream)
        }
    }
}

extension EdgeNode.ConfigurationSource {
    /// The configuration file, named in errors about the files it points to.
    var configFile: String? {
        if case .file(let path, _) = self { return path }
        return nil
    }
}

/// What a reload did.
public struct ReloadSummary: Sendable, CustomStringConvertible {
    public var added: [String] = []
    public var removed: [String] = []
    public var restarted: [String] = []
    public var unchanged: [String] = []

    public var description: String {
        "added [\(added.joined(separator: ", "))], removed [\(removed.joined(separator: ", "))], " +
            "restarted [\(restarted.joined(separator: ", "))], unchanged [\(unchanged.joined(separator: ", "))]"
    }
}
