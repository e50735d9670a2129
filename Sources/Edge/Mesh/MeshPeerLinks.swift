import Foundation
import Mesh
import Relay
import Synchronization

/// What this box knows of each downstream peer's link, and which renditions it offers that
/// peer in the catalog (``PeerRenditionPolicy``). The estimate is what the peer reports of
/// its pulls from this box (`Mutstream-Peer-Data: mtp=KBPS`, as a player reports CMCD `mtp`):
/// its puller measures the rate while this box is sending it chunks. Bounded: at most
/// ``capacity`` peers, the least recently heard of forgotten first; metrics carry one
/// series per remembered peer, removed with it.
final class MeshPeerLinks: Sendable {
    static let capacity = 256
    /// A report older than this no longer counts (the peer offers all renditions again).
    static let reportLifetimeSeconds = 60.0
    static let headerName = "mutstream-peer-data"

    private struct Peer {
        var throughputBitsPerSecond: Double?
        var heardAt: Double
        var offered: [String: Set<String>] = [:]
    }

    private let policy = PeerRenditionPolicy()
    private let peers = Mutex<[String: Peer]>([:])
    private let throughputGauge: MetricFamily<Gauge>
    private let offeredGauge: MetricFamily<Gauge>
    private let setChanges: MetricFamily<Counter>

    init(registry: MetricsRegistry) {
        throughputGauge = registry.gauge(
            "mutstream_mesh_peer_throughput_bits_per_second",
            help: "Measured throughput of each downstream peer's link from this box (peer-reported).", labelNames: ["peer"])
        offeredGauge = registry.gauge(
            "mutstream_mesh_peer_offered_renditions",
            help: "Renditions of a stream this box offers a downstream peer.", labelNames: ["peer", "stream"])
        setChanges = registry.counter(
            "mutstream_mesh_peer_rendition_set_changes_total",
            help: "Times the rendition set offered to a downstream peer changed.", labelNames: ["peer"])
    }

    /// Notes a request from `peer` and its report, if it sent one.
    func heard(from peer: String, report: String?) {
        let now = ProcessInfo.processInfo.systemUptime
        let throughput = report.flatMap(Self.measuredThroughputBitsPerSecond)
        let evicted: String? = peers.withLock { peers in
            peers[peer, default: Peer(heardAt: now)].heardAt = now
            if let throughput { peers[peer]!.throughputBitsPerSecond = throughput }
            guard peers.count > Self.capacity, let oldest = peers.min(by: { $0.value.heardAt < $1.value.heardAt })?.key else { return nil }
            peers[oldest] = nil
            return oldest
        }
        if let throughput { throughputGauge.labels(peer).set(throughput) }
        if let evicted { throughputGauge.remove(evicted) }
    }

    /// The catalog as `peer` should see it: each stream with the renditions offered to it.
    func catalog(_ catalog: MeshCatalog, for peer: String) -> MeshCatalog {
        let now = ProcessInfo.processInfo.systemUptime
        var filtered = catalog
        var changed: [(stream: String, count: Int)] = []
        peers.withLock { peers in
            guard var state = peers[peer] else { return }
            let fresh = now - state.heardAt < Self.reportLifetimeSeconds
            for index in filtered.streams.indices {
                let entry = filtered.streams[index]
                let names = policy.offer(entry.renditions, throughputBitsPerSecond: fresh ? state.throughputBitsPerSecond : nil,
                                         current: state.offered[entry.stream])
                filtered.streams[index].renditions = entry.renditions.filter { names.contains($0.name) }
                if state.offered[entry.stream] != Set(names) {
                    state.offered[entry.stream] = Set(names)
                    changed.append((entry.stream, names.count))
                }
            }
            peers[peer] = state
        }
        for (stream, count) in changed {
            offeredGauge.labels(peer, stream).set(count)
            setChanges.labels(peer).increment()
        }
        return filtered
    }

    /// One remembered downstream peer, for `GET /admin/v1/peers`.
    struct Summary: Encodable {
        var peer: String
        var throughputBitsPerSecond: Double?
        var secondsSinceHeard: Double
        /// Stream → the renditions offered to the peer.
        var offered: [String: [String]]

        enum CodingKeys: String, CodingKey {
            case peer, throughputBitsPerSecond = "throughput_bps", secondsSinceHeard = "seconds_since_heard", offered
        }
    }

    /// Every remembered peer, most recently heard first.
    func summaries() -> [Summary] {
        let now = ProcessInfo.processInfo.systemUptime
        return peers.withLock { peers in
            peers.sorted { $0.value.heardAt > $1.value.heardAt }.map { name, state in
                Summary(peer: name, throughputBitsPerSecond: state.throughputBitsPerSecond, secondsSinceHeard: now - state.heardAt,
                        offered: state.offered.mapValues { $0.sorted() })
            }
        }
    }

    /// The `mtp` (measured throughput, kbit/s) of a `Mutstream-Peer-Data` value, in bit/s.
    static func measuredThroughputBitsPerSecond(_ value: String) -> Double? {
        for item in value.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0] == "mtp", let kbps = Double(pair[1]), kbps.isFinite, kbps > 0 { return kbps * 1000 }
        }
        return nil
    }
}
