/// Settings of the delivery HTTP server. Every limit has a default fit for one edge box.
public struct HTTPServerConfiguration: Sendable, Hashable {
    /// Address to bind, e.g. `0.0.0.0` or `127.0.0.1`.
    public var host: String = "0.0.0.0"
    /// Port to bind; 0 picks a free one (``HTTPServer/start()`` returns it).
    public var port: Int = 8080
    /// Event loop threads when the server owns its group; 0 means one per core.
    public var eventLoopThreads: Int = 0
    /// Most open connections; the next ones get a 503 and are closed.
    public var maxConnections: Int = 4_096
    /// Pending response bytes above which a connection stops reading requests (NIO's
    /// write-buffer high-water mark): a slow reader cannot make the server buffer more.
    public var writeBufferHighWaterMarkBytes: Int = 256 * 1024
    /// Pending response bytes below which a paused connection reads again.
    public var writeBufferLowWaterMarkBytes: Int = 64 * 1024
    /// Longest hold of a blocking request (playlist reload, preload-hint part); the hold is
    /// otherwise three target durations.
    public var maxBlockingWaitSeconds: Double = 10
    /// `max-age` of playlists answered at once.
    public var playlistMaxAgeSeconds: Int = 1
    /// `max-age` of playlists answered to a blocking request (their URL names the part they
    /// hold, so they stay valid longer).
    public var blockingPlaylistMaxAgeSeconds: Int = 6
    /// A connection that sends nothing for this long (or cannot be written to) is closed.
    public var idleTimeoutSeconds: Double = 60
    /// On shutdown, in-flight requests get this long to finish before connections are closed.
    public var shutdownGraceSeconds: Double = 5
    /// Largest request body the admin handler accepts (413 beyond).
    public var maxAdminBodyBytes: Int = 64 * 1024
    /// Listen backlog.
    public var backlog: Int32 = 1_024
    /// Adaptive `auto` playlist sessions: bounds and tuning.
    public var autoSessions = AutoSessionConfiguration()

    /// The defaults: `0.0.0.0:8080`.
    public init() {}

    /// The defaults with another address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
