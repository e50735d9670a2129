import Logging
import NIOCore
import NIOSSL
import Synchronization

/// What every connection handler shares: configuration, store, metrics, admin hook.
final class ServerContext: Sendable {
    let configuration: HTTPServerConfiguration
    let store: ChunkStore
    let registry: MetricsRegistry
    let metrics: HTTPMetrics
    let sessions: AutoSessionTable
    let logger: Logger
    let adminHandler = Mutex<AdminHandler?>(nil)
    let meshHandler = Mutex<MeshHandler?>(nil)
    /// Set: every new connection is TLS (see ``HTTPServer/setTLSContext(_:)``).
    let tlsContext = Mutex<NIOSSLContext?>(nil)

    // Header values built once, not per response.
    let playlistCacheControl: String
    let blockingPlaylistCacheControl: String
    static let immutableCacheControl = "public, max-age=31536000, immutable"
    static let noStore = "no-store"
    static let playlistType = "application/vnd.apple.mpegurl"
    static let initType = "video/mp4"
    static let mediaType = "video/iso.segment"
    static let textType = "text/plain; charset=utf-8"
    static let metricsType = "text/plain; version=0.0.4; charset=utf-8"

    init(
        configuration: HTTPServerConfiguration, store: ChunkStore, registry: MetricsRegistry, metrics: HTTPMetrics,
        sessions: AutoSessionTable, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.registry = registry
        self.metrics = metrics
        self.sessions = sessions
        self.logger = logger
        self.playlistCacheControl = "public, max-age=\(configuration.playlistMaxAgeSeconds)"
        self.blockingPlaylistCacheControl = "public, max-age=\(configuration.blockingPlaylistMaxAgeSeconds)"
    }
}
