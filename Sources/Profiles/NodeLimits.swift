/// Resource limits (`limits:`). Memory is bounded by these, never by input.
public struct NodeLimits: Sendable, Equatable {
    /// Open HTTP connections at most (`max_connections:`, default 1024).
    public var maxConnections: Int
    /// Segments per rendition the chunk store keeps (`window_segments:`, default 6, at least 3:
    /// a live HLS playlist must span three target durations).
    public var windowSegments: Int
    /// How long a blocking playlist reload or chunk long-poll waits
    /// (`blocking_request_timeout_seconds:`, default 3).
    public var blockingRequestTimeoutSeconds: Double
    /// Send buffer per connection before it counts as slow (`per_connection_buffer_bytes:`,
    /// default 1 MiB).
    public var perConnectionBufferBytes: Int
    /// A relayed rendition nobody (player or downstream peer) has read for this long is no
    /// longer pulled (`idle_pull_seconds:`, default 30); 0 pulls every rendition always.
    public var idlePullSeconds: Double

    public init(maxConnections: Int = 1024, windowSegments: Int = 6, blockingRequestTimeoutSeconds: Double = 3,
                perConnectionBufferBytes: Int = 1 << 20, idlePullSeconds: Double = 30) {
        self.maxConnections = maxConnections
        self.windowSegments = windowSegments
        self.blockingRequestTimeoutSeconds = blockingRequestTimeoutSeconds
        self.perConnectionBufferBytes = perConnectionBufferBytes
        self.idlePullSeconds = idlePullSeconds
    }
}
