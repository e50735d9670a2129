import Synchronization

/// Peers this box knows (peer exchange, `/mesh/v1/peers`): its seed peers and upstreams, and
/// what other boxes announced. Bounded: at most ``maximumPeers``, newest announcements kept.
final class MeshPeerTable: Sendable {
    static let maximumPeers = 64
    private let configured: [String]
    private let announced = Mutex<[String]>([])

    init(configured: [String]) {
        var seen = Set<String>()
        self.configured = configured.filter { seen.insert($0).inserted }
    }

    /// Configured peers first, then announced ones.
    var all: [String] {
        let extra = announced.withLock { $0 }.filter { !configured.contains($0) }
        return Array((configured + extra).prefix(Self.maximumPeers))
    }

    /// Adds announced base URLs (`http://host:port`); others are ignored. Returns how many were new.
    @discardableResult
    func announce(_ urls: [String]) -> Int {
        let valid = urls.filter { MeshHTTPClient.Endpoint(baseURL: $0) != nil && $0.utf8.count <= 256 }
        return announced.withLock { list in
            var added = 0
            for url in valid where !list.contains(url) && !configured.contains(url) {
                list.append(url)
                added += 1
            }
            if list.count > Self.maximumPeers { list.removeFirst(list.count - Self.maximumPeers) }
            return added
        }
    }
}
