import Foundation
import Mesh
import Relay
import Synchronization

/// What this box knows of each downstream peer's link, and which renditions it offers that
/// peer in the catalog (``PeerRenditionPolicy``). The estimate is what the peer reports of
/// its pulls from this box (`Mutstream-Peer-Data: mtp=KBPS`, as a player reports CMCD `mtp`):
/// its puller measures the rate while this box is sending it chunks. A peer may also name
/// renditions it must carry whatever its link (`pin=live/360p|live/180p`, from its
/// stream's `pinned_renditions`): those are offered in addition. Bounded: at most
/// ``capacity`` peers, the least recently heard of forgotten first; metrics carry one
/// series per remembered peer, removed with it.
final class MeshPeerLinks: Sendable {
    static let capacity = 256
    /// A report older than this no longer counts (the peer offers all renditions again).
    static let reportLifetimeSeconds = 60.0
    static let headerName = "mutstream-peer-data"

    private struct Peer {
        var throughputBitsPerSecond: Double?
        /// Stream → the renditions the peer pinned and when it last said so (a pin not
        /// repeated within the report lifetime lapses: the peer's pullers repeat theirs
        /// with every catalog read).
        var pinned: [String: (names: Set<String>, at: Double)] = [:]
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
        let pinned = report.map(Self.pinnedRenditions) ?? [:]
        let evicted: String? = peers.withLock { peers in
            peers[peer, default: Peer(heardAt: now)].heardAt = now
            for (stream, names) in pinned { peers[peer]!.pinned[stream] = (names, now) }
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
                let chosen = policy.offer(entry.renditions, throughputBitsPerSecond: fresh ? state.throughputBitsPerSecond : nil,
                                          current: state.offered[entry.stream])
                let names = entry.renditions.map(\.name).filter { chosen.contains($0) || pinned(state, entry.stream, now).contains($0) }
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

    private func pinned(_ peer: Peer, _ stream: String, _ now: Double) -> Set<String> {
        guard let pin = peer.pinned[stream], now - pin.at < Self.reportLifetimeSeconds else { return [] }
        return pin.names
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

    /// The report item naming renditions of `stream` a peer must carry:
    /// `pin=STREAM/NAME|STREAM/NAME`.
    static func pinnedItem(stream: String, _ renditions: [String]) -> String {
        "pin=" + renditions.map { stream + "/" + $0 }.joined(separator: "|")
    }

    /// The renditions a `Mutstream-Peer-Data` value pins (``pinnedItem(stream:_:)``), by stream.
    static func pinnedRenditions(_ value: String) -> [String: Set<String>] {
        var pinned: [String: Set<String>] = [:]
        for item in value.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0] == "pin" else { continue }
            for name in pair[1].split(separator: "|") {
                let parts = name.split(separator: "/", maxSplits: 1)
                if parts.count == 2 { pinned[String(parts[0]), default: []].insert(String(parts[1])) }
            }
        }
        return pinned
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
