import Logging
import Mesh
import Pipeline
import Relay

/// The origin's side of the mesh: in front of the ``StoreSink``, signs every init section and
/// part the transcoder publishes and records the signed entry in the ``MeshLedger`` before
/// the bytes enter the store, and offers the stream in the catalog.
final class SigningSink: MediaSink {
    private let inner: any MediaSink
    private let stream: String
    private let signer: IndexSigner
    private let ledger: MeshLedger
    private let logger: Logger

    init(wrapping inner: any MediaSink, stream: String, signer: IndexSigner, ledger: MeshLedger, logger: Logger) {
        self.inner = inner
        self.stream = stream
        self.signer = signer
        self.ledger = ledger
        self.logger = logger
    }

    func begin(renditions: [Pipeline.RenditionDescriptor]) {
        inner.begin(renditions: renditions)
        ledger.setStream(Self.catalogEntry(stream: stream, originID: signer.originID, renditions: renditions))
    }

    func initSection(rendition: String, bytes: [UInt8]) {
        sign(id: MeshLedger.initID(stream: stream, rendition: rendition), ptsValue: 0, durationMicroseconds: 0,
             isIndependent: true, bytes: bytes).map(ledger.recordInit)
        inner.initSection(rendition: rendition, bytes: bytes)
    }

    func part(_ part: MediaPart) {
        let id = ChunkID(stream: stream, rendition: part.rendition, mediaSequence: UInt64(max(0, part.mediaSequence)),
                         partIndex: UInt32(max(0, part.partIndex)))
        // Same 90 kHz time base as the store's parts (StoreSink).
        sign(id: id, ptsValue: Int64((part.startSeconds * 90_000).rounded()),
             durationMicroseconds: UInt64(max(0, (part.durationSeconds * 1_000_000).rounded())),
             isIndependent: part.independent, bytes: part.bytes).map(ledger.record)
        inner.part(part)
    }

    func end(rendition: String) { inner.end(rendition: rendition) }

    private func sign(id: ChunkID, ptsValue: Int64, durationMicroseconds: UInt64, isIndependent: Bool, bytes: [UInt8]) -> SignedIndexEntry? {
        let digest = ChunkDigester.digest(bytes)
        do {
            let entry = try ChunkIndexEntry(
                id: id, presentationTimeValue: ptsValue, timescaleHz: 90_000, durationMicroseconds: durationMicroseconds,
                isIndependent: isIndependent, lengthBytes: digest.lengthBytes, sha256: digest.sha256)
            return try signer.sign(entry)
        } catch {
            logger.error("stream \(stream): cannot sign \(id): \(error)")
            return nil
        }
    }

    /// The catalog entry of a stream this box transcodes: path `[origin]`.
    static func catalogEntry(stream: String, originID: String, renditions: [Pipeline.RenditionDescriptor]) -> CatalogEntry {
        CatalogEntry(
            stream: stream, originID: originID, path: [originID],
            segmentTargetSeconds: renditions.first?.segmentSeconds ?? 2, partTargetSeconds: renditions.first?.partSeconds ?? 0.5,
            renditions: renditions.map { r -> CatalogRendition in
                let average = r.bitrateKbps * 1000
                // Peaks as StoreSink describes them to players.
                return r.kind == .video
                    ? CatalogRendition(name: r.name, kind: .video, averageBitrateBitsPerSecond: average,
                                       peakBitrateBitsPerSecond: average * 3 / 2, width: r.width, height: r.height, codecs: r.codecs)
                    : CatalogRendition(name: r.name, kind: .audio, averageBitrateBitsPerSecond: average,
                                       peakBitrateBitsPerSecond: average * 11 / 10, codecs: r.codecs)
            })
    }

    /// The store descriptor of a relayed stream, from its catalog entry.
    static func storeDescriptor(_ entry: CatalogEntry) -> StreamDescriptor {
        let renditions = entry.renditions.map { r -> Relay.RenditionDescriptor in
            switch r.kind {
            case .video:
                var d = Relay.RenditionDescriptor.video(
                    name: r.name, averageBandwidthBitsPerSecond: r.averageBitrateBitsPerSecond,
                    peakBandwidthBitsPerSecond: r.peakBitrateBitsPerSecond, width: r.width ?? 0, height: r.height ?? 0,
                    frameRate: 0, codecs: r.codecs)
                // The catalog carries no frame rate: the master playlist leaves FRAME-RATE out.
                d.frameRate = nil
                return d
            case .audio:
                return Relay.RenditionDescriptor.audio(
                    name: r.name, averageBandwidthBitsPerSecond: r.averageBitrateBitsPerSecond,
                    peakBandwidthBitsPerSecond: r.peakBitrateBitsPerSecond, codecs: r.codecs)
            }
        }
        return StreamDescriptor(
            name: entry.stream, segmentTargetSeconds: entry.segmentTargetSeconds, partTargetSeconds: entry.partTargetSeconds,
            renditions: renditions)
    }
}
