import Mesh
import Relay
import Synchronization

/// Puts a relayed stream's verified chunks into the store in timeline order. Chunks arrive
/// in any order (several upstreams, hedged requests); each rendition's entries are kept in
/// the order the index named them, and a chunk is published when every one before it is.
/// A chunk given up leaves a hole the store cannot take: the caller starts the stream over.
/// Parts go in as batches, so a waiting player never sees half of what has arrived.
final class PartPublisher: Sendable {
    private struct Rendition {
        /// Indexed and not yet published, oldest first.
        var waiting: [ChunkID] = []
        var newest: ChunkID?
        var ready: [ChunkID: (signed: SignedIndexEntry, bytes: [UInt8])] = [:]
        var abandoned: Set<ChunkID> = []
        /// Verified, in order, not yet in the store (an empty window waits for a whole segment).
        var held: [(signed: SignedIndexEntry, bytes: [UInt8])] = []
    }

    private let stream: String
    private let store: ChunkStore
    private let ledger: MeshLedger
    private let renditions = Mutex<[String: Rendition]>([:])

    init(stream: String, store: ChunkStore, ledger: MeshLedger) {
        self.stream = stream
        self.store = store
        self.ledger = ledger
    }

    /// An index entry newer than any before it on its rendition joins the queue (the same
    /// rule as the scheduler's, so both agree on what is expected).
    func noteIndexed(_ id: ChunkID) {
        renditions.withLock { renditions in
            var rendition = renditions[id.rendition, default: Rendition()]
            if let newest = rendition.newest, !id.isAfter(newest) { return }
            rendition.newest = id
            rendition.waiting.append(id)
            renditions[id.rendition] = rendition
        }
    }

    /// A verified chunk; publishes it and any that waited for it. Returns why the stream
    /// must start over, if it must.
    func deliver(_ signed: SignedIndexEntry, bytes: [UInt8]) -> String? {
        renditions.withLock { renditions in
            renditions[signed.entry.id.rendition]?.ready[signed.entry.id] = (signed, bytes)
            return flush(&renditions, signed.entry.id.rendition)
        }
    }

    /// A chunk that will never come.
    func abandon(_ id: ChunkID) -> String? {
        renditions.withLock { renditions in
            renditions[id.rendition]?.abandoned.insert(id)
            return flush(&renditions, id.rendition)
        }
    }

    /// Forgets a rendition that is no longer pulled.
    func reset(_ rendition: String) {
        renditions.withLock { $0[rendition] = nil }
    }

    private func flush(_ renditions: inout [String: Rendition], _ name: String) -> String? {
        guard var rendition = renditions[name] else { return nil }
        defer { renditions[name] = rendition }
        while let first = rendition.waiting.first {
            if rendition.abandoned.remove(first) != nil { return "chunk \(first) was given up" }
            guard let ready = rendition.ready.removeValue(forKey: first) else { break }
            rendition.waiting.removeFirst()
            rendition.held.append(ready)
        }
        // A window starts with a segment: parts before the first segment start are dropped,
        // and an empty window takes its first parts only once a whole segment is there, so a
        // player's first playlist lists one (a playlist of parts only is empty to ffmpeg).
        let windowIsEmpty = store.lastPosition(stream: stream, rendition: name) == nil
        if windowIsEmpty {
            rendition.held.removeFirst(while: { $0.signed.entry.id.partIndex != 0 })
            guard rendition.held.dropFirst().contains(where: { $0.signed.entry.id.partIndex == 0 }) else { return nil }
        }
        defer { rendition.held = [] }
        return publish(rendition.held, rendition: name)
    }

    private func publish(_ chunks: [(signed: SignedIndexEntry, bytes: [UInt8])], rendition: String) -> String? {
        guard !chunks.isEmpty else { return nil }
        let parts = chunks.map { chunk in
            let entry = chunk.signed.entry
            return ChunkPart(
                mediaSequence: Int(entry.id.mediaSequence), partIndex: Int(entry.id.partIndex),
                durationSeconds: Double(entry.durationMicroseconds) / 1_000_000, isIndependent: entry.isIndependent,
                presentationTime: PresentationTime(value: entry.presentationTimeValue,
                                                   timeBase: TimeBase(numerator: 1, denominator: Int32(clamping: entry.timescaleHz))),
                bytes: chunk.bytes)
        }
        // The entries first, so an index long-poll never names a part the store lacks for long.
        for chunk in chunks { ledger.record(chunk.signed) }
        do { try store.appendParts(stream: stream, rendition: rendition, parts: parts) } catch {
            return "parts of \(stream)/\(rendition) refused: \(error)"
        }
        return nil
    }
}

extension Array {
    /// Removes leading elements while `predicate` holds.
    mutating func removeFirst(while predicate: (Element) -> Bool) {
        removeFirst(prefix(while: predicate).count)
    }
}
