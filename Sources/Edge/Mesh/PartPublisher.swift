import Mesh
import Relay
import Synchronization

/// Puts a relayed stream's verified chunks into the store in timeline order. Chunks arrive
/// in any order (several upstreams, hedged requests); each rendition's entries are kept in
/// the order the index named them, and a chunk is published when every one before it is.
/// A chunk given up leaves a hole the store cannot take: the caller starts the stream over.
final class PartPublisher: Sendable {
    private struct Rendition {
        /// Indexed and not yet published, oldest first.
        var waiting: [ChunkID] = []
        var newest: ChunkID?
        var ready: [ChunkID: (signed: SignedIndexEntry, bytes: [UInt8])] = [:]
        var abandoned: Set<ChunkID> = []
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

    private func flush(_ renditions: inout [String: Rendition], _ name: String) -> String? {
        guard var rendition = renditions[name] else { return nil }
        defer { renditions[name] = rendition }
        while let first = rendition.waiting.first {
            if rendition.abandoned.remove(first) != nil { return "chunk \(first) was given up" }
            guard let (signed, bytes) = rendition.ready.removeValue(forKey: first) else { return nil }
            rendition.waiting.removeFirst()
            if let refusal = publish(signed, bytes: bytes) { return refusal }
        }
        return nil
    }

    private func publish(_ signed: SignedIndexEntry, bytes: [UInt8]) -> String? {
        let entry = signed.entry
        let part = ChunkPart(
            mediaSequence: Int(entry.id.mediaSequence), partIndex: Int(entry.id.partIndex),
            durationSeconds: Double(entry.durationMicroseconds) / 1_000_000, isIndependent: entry.isIndependent,
            presentationTime: PresentationTime(value: entry.presentationTimeValue,
                                               timeBase: TimeBase(numerator: 1, denominator: Int32(clamping: entry.timescaleHz))),
            bytes: bytes)
        // The entry first, so an index long-poll never names a part the store lacks for long.
        ledger.record(signed)
        do { try store.appendPart(stream: stream, rendition: entry.id.rendition, part: part) } catch {
            return "part \(entry.id) refused: \(error)"
        }
        if entry.id.mediaSequence == 0 || entry.id.partIndex == 0 { try? store.setProducing(stream: stream, true) }
        return nil
    }
}
