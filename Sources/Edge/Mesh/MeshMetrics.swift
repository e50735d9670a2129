import Relay

/// The mesh's Prometheus series (README "Metrics").
struct MeshMetrics: Sendable {
    /// Mesh API requests refused for a missing or bad credential.
    let unauthorized: Counter
    /// Chunks (parts) pulled, verified and stored, per stream.
    let chunksPulled: MetricFamily<Counter>
    /// Chunks or index entries from a peer that failed verification, per upstream.
    let verificationFailures: MetricFamily<Counter>
    /// Upstreams demoted for bad data, per upstream.
    let demotions: MetricFamily<Counter>
    /// Failovers from one upstream to another (or re-plans after an error), per stream.
    let upstreamSwitches: MetricFamily<Counter>
    /// Peers this box knows (configured and learned by peer exchange).
    let knownPeers: Gauge
    /// Bytes of verified chunks received, per upstream: how a relay spreads its pull.
    let upstreamChunkBytes: MetricFamily<Counter>
    /// Bytes the puller's requests put on the wire (both ways), by kind: `chunk` (media) or
    /// `catalog`, `index`, `init`, `peers` (control): the mesh's overhead.
    let pullWireBytes: MetricFamily<Counter>

    init(registry: MetricsRegistry) {
        unauthorized = registry.counter(
            "mutstream_mesh_unauthorized_requests_total", help: "Mesh API requests refused with 401.").labels()
        chunksPulled = registry.counter(
            "mutstream_mesh_chunks_pulled_total", help: "Chunks pulled from upstream peers, verified and stored.",
            labelNames: ["stream"])
        verificationFailures = registry.counter(
            "mutstream_mesh_verification_failures_total",
            help: "Index entries or chunks from an upstream that failed verification (dropped, never served).",
            labelNames: ["upstream"])
        demotions = registry.counter(
            "mutstream_mesh_upstream_demotions_total", help: "Upstreams demoted after repeated bad data.",
            labelNames: ["upstream"])
        upstreamSwitches = registry.counter(
            "mutstream_mesh_upstream_switches_total", help: "Times a relayed stream chose another upstream.",
            labelNames: ["stream"])
        knownPeers = registry.gauge(
            "mutstream_mesh_known_peers", help: "Peers this box knows: configured, and learned by peer exchange.").labels()
        upstreamChunkBytes = registry.counter(
            "mutstream_mesh_upstream_chunk_bytes_total", help: "Bytes of verified chunks received from each upstream.",
            labelNames: ["upstream"])
        pullWireBytes = registry.counter(
            "mutstream_mesh_pull_wire_bytes_total",
            help: "Bytes of mesh pull requests and responses on the wire, by kind (chunk, catalog, index, init, peers).",
            labelNames: ["kind"])
    }
}
