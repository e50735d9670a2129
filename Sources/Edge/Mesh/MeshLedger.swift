import Mesh
import NIOCore
import Synchronization

/// What this box offers the mesh, beside the chunk store: per stream its catalog entry, per
/// rendition the origin-signed index entries of the parts in the window (passed on
/// unchanged) and of the init section, and the index long-polls waiting for the next entry.
///
/// Bounded like the store: entries older than the store's window (``windowSegments``
/// segments) are dropped, and at most ``maximumWaitersPerRendition`` long-polls are parked.
final class MeshLedger: Sendable {
    /// The chunk id an init section's signed entry carries: no part can have it.
    static func initID(stream: String, rendition: String) -> ChunkID {
        ChunkID(stream: stream, rendition: rendition, mediaSequence: .max, partIndex: .max)
    }

    static let maximumWaitersPerRendition = 256

    private let windowSegments: Int
    private let state = Mutex(State())

    private struct Key: Hashable {
        var stream: String
        var rendition: String
    }

    private struct Waiter {
        var id: UInt64
        var after: ChunkID?
        var promise: EventLoopPromise<[SignedIndexEntry]>
    }

    private struct Rendition {
        var initEntry: SignedIndexEntry?
        var entries: [SignedIndexEntry] = []
        var waiters: [Waiter] = []
    }

    private struct State {
        var catalog: [String: CatalogEntry] = [:]
        var order: [String] = []
        var renditions: [Key: Rendition] = [:]
        var nextWaiterID: UInt64 = 0
    }

    init(windowSegments: Int) { self.windowSegments = windowSegments }

    /// Offers a stream (or replaces its offer): its previous entries are forgotten and
    /// waiting long-polls end empty.
    func setStream(_ entry: CatalogEntry) {
        let waiters = state.withLock { state in
            if state.catalog[entry.stream] == nil { state.order.append(entry.stream) }
            state.catalog[entry.stream] = entry
            return Self.dropRenditions(of: entry.stream, in: &state)
        }
        for waiter in waiters { waiter.promise.succeed([]) }
    }

    /// Replaces a stream's catalog entry (a new path) and keeps its index.
    func updatePath(_ entry: CatalogEntry) {
        state.withLock { state in
            if state.catalog[entry.stream] != nil { state.catalog[entry.stream] = entry }
        }
    }

    /// Withdraws a stream.
    func removeStream(_ stream: String) {
        let waiters = state.withLock { state in
            state.catalog[stream] = nil
            state.order.removeAll { $0 == stream }
            return Self.dropRenditions(of: stream, in: &state)
        }
        for waiter in waiters { waiter.promise.succeed([]) }
    }

    private static func dropRenditions(of stream: String, in state: inout State) -> [Waiter] {
        let keys = state.renditions.keys.filter { $0.stream == stream }
        return keys.flatMap { state.renditions.removeValue(forKey: $0)?.waiters ?? [] }
    }

    /// The catalog this box serves.
    func catalog(nodeID: String) -> MeshCatalog {
        state.withLock { state in MeshCatalog(nodeID: nodeID, streams: state.order.compactMap { state.catalog[$0] }) }
    }

    /// The catalog entry of one stream.
    func catalogEntry(stream: String) -> CatalogEntry? { state.withLock { $0.catalog[stream] } }

    /// Records a rendition's signed init entry.
    func recordInit(_ signed: SignedIndexEntry) {
        let key = Key(stream: signed.entry.id.stream, rendition: signed.entry.id.rendition)
        state.withLock { $0.renditions[key, default: Rendition()].initEntry = signed }
    }

    /// The signed entry of a rendition's init section.
    func initEntry(stream: String, rendition: String) -> SignedIndexEntry? {
        state.withLock { $0.renditions[Key(stream: stream, rendition: rendition)]?.initEntry }
    }

    /// Records the next part's signed entry (before the part enters the store) and answers
    /// the long-polls it satisfies.
    func record(_ signed: SignedIndexEntry) {
        let id = signed.entry.id
        let key = Key(stream: id.stream, rendition: id.rendition)
        let ready: [(Waiter, [SignedIndexEntry])] = state.withLock { state in
            var rendition = state.renditions[key, default: Rendition()]
            if let last = rendition.entries.last, !id.isAfter(last.entry.id) {
                // A new timeline (restart upstream): start over.
                rendition.entries.removeAll()
            }
            rendition.entries.append(signed)
            let oldestKept = id.mediaSequence >= UInt64(windowSegments) ? id.mediaSequence - UInt64(windowSegments) + 1 : 0
            if let first = rendition.entries.firstIndex(where: { $0.entry.id.mediaSequence >= oldestKept }), first > 0 {
                rendition.entries.removeFirst(first)
            }
            var ready: [(Waiter, [SignedIndexEntry])] = []
            let all = rendition.entries
            rendition.waiters.removeAll { waiter in
                let entries = Self.entries(all, after: waiter.after)
                guard !entries.isEmpty else { return false }
                ready.append((waiter, entries))
                return true
            }
            state.renditions[key] = rendition
            return ready
        }
        for (waiter, entries) in ready { waiter.promise.succeed(entries) }
    }

    /// Entries after `after` now, or — when there are none — as soon as one is recorded,
    /// at most `timeout` later (then empty). Without `after`: from the newest segment's
    /// first part, so a new reader starts on a segment boundary. An `after` older than the
    /// window gets the window's oldest entries.
    func entries(
        stream: String, rendition: String, after: ChunkID?, timeout: TimeAmount, on eventLoop: any EventLoop
    ) -> EventLoopFuture<[SignedIndexEntry]> {
        let key = Key(stream: stream, rendition: rendition)
        let promise = eventLoop.makePromise(of: [SignedIndexEntry].self)
        let registered: UInt64? = state.withLock { state in
            var entry = state.renditions[key, default: Rendition()]
            let now = Self.entries(entry.entries, after: after)
            if !now.isEmpty {
                promise.succeed(now)
                return nil
            }
            guard state.catalog[stream] != nil, entry.waiters.count < Self.maximumWaitersPerRendition else {
                promise.succeed([])
                return nil
            }
            state.nextWaiterID &+= 1
            entry.waiters.append(Waiter(id: state.nextWaiterID, after: after, promise: promise))
            state.renditions[key] = entry
            return state.nextWaiterID
        }
        guard let id = registered else { return promise.futureResult }
        let timer = eventLoop.scheduleTask(in: timeout) { [self] in
            let removed = state.withLock { state -> Bool in
                guard let index = state.renditions[key]?.waiters.firstIndex(where: { $0.id == id }) else { return false }
                state.renditions[key]?.waiters.remove(at: index)
                return true
            }
            if removed { promise.succeed([]) }
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }

    private static func entries(_ all: [SignedIndexEntry], after: ChunkID?) -> [SignedIndexEntry] {
        guard let after else {
            guard let start = all.lastIndex(where: { $0.entry.id.partIndex == 0 }) else { return [] }
            return Array(all[start...])
        }
        guard let first = all.firstIndex(where: { $0.entry.id.isAfter(after) }) else { return [] }
        return Array(all[first...])
    }
}
