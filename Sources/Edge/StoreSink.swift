import Logging
import Pipeline
import Relay
import Synchronization

/// Publishes one transcoding session's output into the chunk store: renditions become a
/// stream descriptor, init sections and parts go straight in, and the stream is marked
/// producing while parts flow.
final class StoreSink: MediaSink {
    let stream: String
    private let store: ChunkStore
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var renditions = 0
        var ended = 0
        var failures = 0
    }

    init(stream: String, store: ChunkStore, logger: Logger) {
        self.stream = stream
        self.store = store
        self.logger = logger
    }

    func begin(renditions: [Pipeline.RenditionDescriptor]) {
        let descriptor = StreamDescriptor(
            name: stream,
            segmentTargetSeconds: renditions.first?.segmentSeconds ?? 2,
            partTargetSeconds: renditions.first?.partSeconds ?? 0.5,
            renditions: renditions.map(Self.storeDescriptor))
        // A new session of an existing stream (a reload) replaces it.
        store.removeStream(stream)
        record { () throws(ChunkStoreError) in try store.addStream(descriptor) }
        state.withLock { $0 = State(renditions: renditions.count) }
    }

    func initSection(rendition: String, bytes: [UInt8]) {
        record { () throws(ChunkStoreError) in try store.setInit(stream: stream, rendition: rendition, bytes: bytes) }
    }

    func part(_ part: MediaPart) {
        let chunk = ChunkPart(
            mediaSequence: part.mediaSequence, partIndex: part.partIndex, durationSeconds: part.durationSeconds,
            isIndependent: part.independent,
            presentationTime: PresentationTime(value: Int64((part.startSeconds * 90_000).rounded()),
                                               timeBase: TimeBase(numerator: 1, denominator: 90_000)),
            bytes: part.bytes)
        record { () throws(ChunkStoreError) in
            if part.followsDiscontinuity { try store.markDiscontinuity(stream: stream, rendition: part.rendition) }
            try store.appendPart(stream: stream, rendition: part.rendition, part: chunk)
            if part.endsSegment { try store.endSegment(stream: stream, rendition: part.rendition, mediaSequence: part.mediaSequence) }
            if part.mediaSequence == 0, part.partIndex == 0 { try store.setProducing(stream: stream, true) }
        }
    }

    func end(rendition: String) {
        let allEnded = state.withLock { state in
            state.ended += 1
            return state.ended == state.renditions
        }
        if allEnded { record { () throws(ChunkStoreError) in try store.endStream(stream: stream) } }
    }

    /// Store errors mean a producer bug (parts out of order); they are logged, not fatal.
    private func record(_ body: () throws(ChunkStoreError) -> Void) {
        do { try body() } catch {
            let count = state.withLock { state in
                state.failures += 1
                return state.failures
            }
            if count <= 10 || count % 1000 == 0 { logger.error("stream \(stream): chunk store refused: \(error) (\(count) so far)") }
        }
    }

    private static func storeDescriptor(_ rendition: Pipeline.RenditionDescriptor) -> Relay.RenditionDescriptor {
        let averageBitsPerSecond = rendition.bitrateKbps * 1000
        switch rendition.kind {
        case .video:
            // Peak: the rate controller's ceiling (maxrate = 1.5 × target).
            return .video(name: rendition.name, averageBandwidthBitsPerSecond: averageBitsPerSecond,
                          peakBandwidthBitsPerSecond: averageBitsPerSecond * 3 / 2, width: rendition.width,
                          height: rendition.height, frameRate: Double(rendition.framesPerSecond), codecs: rendition.codecs)
        case .audio:
            return .audio(name: rendition.name, averageBandwidthBitsPerSecond: averageBitsPerSecond,
                          peakBandwidthBitsPerSecond: averageBitsPerSecond * 11 / 10, codecs: rendition.codecs)
        }
    }
}
