import Foundation
import Synchronization

/// A sink that writes the ladder as HLS on disk: `DIR/master.m3u8`, and per rendition
/// `DIR/NAME/init.mp4`, `seg_NNNNN.m4s` (CMAF segments, each the concatenation of its parts)
/// and `index.m3u8`. Playlists are rewritten atomically after every segment, so the folder
/// plays while it grows; the master is rewritten with measured bitrates at the end.
public final class HLSDirectoryWriter: MediaSink {
    public let directory: URL
    private let state = Mutex(State())

    private struct RenditionState {
        var descriptor: RenditionDescriptor
        var openSegment: [UInt8] = []
        var openSegmentSequence: Int?
        var openSegmentSeconds: Double = 0
        var openSegmentDiscontinuity = false
        var segments: [HLSPlaylistText.Segment] = []
        var bytesWritten = 0
        var secondsWritten: Double = 0
        var peakBitsPerSecond = 0
        var ended = false
    }

    private struct State {
        var order: [String] = []
        var renditions: [String: RenditionState] = [:]
        var failure: String?
    }

    /// Writes into `directory`, created when the first rendition begins (so an input that
    /// cannot be opened leaves nothing behind). Throws when it exists and is not a folder.
    public init(directory: URL) throws {
        self.directory = directory
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: directory.path])
        }
    }

    /// The first write error, if any (the writer keeps going with the other renditions).
    public var failure: String? { state.withLock { $0.failure } }

    /// Segments written so far per rendition.
    public var segmentCounts: [String: Int] { state.withLock { $0.renditions.mapValues { $0.segments.count } } }

    public func begin(renditions: [RenditionDescriptor]) {
        state.withLock { state in
            for descriptor in renditions {
                state.order.append(descriptor.name)
                state.renditions[descriptor.name] = RenditionState(descriptor: descriptor)
                do {
                    try FileManager.default.createDirectory(at: directory.appendingPathComponent(descriptor.name), withIntermediateDirectories: true)
                } catch { state.failure = state.failure ?? "cannot create \(directory.path)/\(descriptor.name): \(error.localizedDescription)" }
            }
            writeMaster(&state)
        }
    }

    public func initSection(rendition: String, bytes: [UInt8]) {
        state.withLock { write(Data(bytes), to: rendition, "init.mp4", state: &$0) }
    }

    public func part(_ part: MediaPart) {
        state.withLock { state in
            // A part of another segment closes the open one, even when its end was never
            // announced (a source lost right after a part boundary).
            if let open = state.renditions[part.rendition]?.openSegmentSequence, open != part.mediaSequence {
                closeSegment(part.rendition, state: &state)
            }
            guard var rendition = state.renditions[part.rendition] else { return }
            if rendition.openSegmentSequence == nil {
                rendition.openSegmentSequence = part.mediaSequence
                rendition.openSegmentDiscontinuity = part.followsDiscontinuity
            }
            rendition.openSegment.append(contentsOf: part.bytes)
            rendition.openSegmentSeconds += part.durationSeconds
            state.renditions[part.rendition] = rendition
            if part.endsSegment { closeSegment(part.rendition, state: &state) }
        }
    }

    public func end(rendition name: String) {
        state.withLock { state in
            closeSegment(name, state: &state)
            state.renditions[name]?.ended = true
            writeMediaPlaylist(name, state: &state)
            if state.renditions.values.allSatisfy(\.ended) { writeMaster(&state) }
        }
    }

    private func closeSegment(_ name: String, state: inout State) {
        guard var rendition = state.renditions[name], let sequence = rendition.openSegmentSequence,
              !rendition.openSegment.isEmpty else { return }
        let uri = String(format: "seg_%05d.m4s", sequence)
        let bytes = rendition.openSegment
        rendition.segments.append(.init(mediaSequence: sequence, durationSeconds: rendition.openSegmentSeconds,
                                        uri: uri, followsDiscontinuity: rendition.openSegmentDiscontinuity))
        rendition.bytesWritten += bytes.count
        rendition.secondsWritten += rendition.openSegmentSeconds
        if rendition.openSegmentSeconds > 0.5 * rendition.descriptor.segmentSeconds {
            let rate = Int(Double(bytes.count * 8) / rendition.openSegmentSeconds)
            rendition.peakBitsPerSecond = max(rendition.peakBitsPerSecond, rate)
        }
        rendition.openSegment.removeAll(keepingCapacity: true)
        rendition.openSegmentSequence = nil
        rendition.openSegmentSeconds = 0
        state.renditions[name] = rendition
        write(Data(bytes), to: name, uri, state: &state)
        writeMediaPlaylist(name, state: &state)
    }

    private func writeMediaPlaylist(_ name: String, state: inout State) {
        guard let rendition = state.renditions[name] else { return }
        let text = HLSPlaylistText.media(segments: rendition.segments, finished: rendition.ended)
        write(Data(text.utf8), to: name, "index.m3u8", state: &state)
    }

    private func writeMaster(_ state: inout State) {
        let descriptors = state.order.compactMap { state.renditions[$0]?.descriptor }
        var peak: [String: Int] = [:], average: [String: Int] = [:]
        for (name, rendition) in state.renditions where rendition.secondsWritten > 0 {
            peak[name] = max(rendition.peakBitsPerSecond, Int(Double(rendition.bytesWritten * 8) / rendition.secondsWritten))
            average[name] = Int(Double(rendition.bytesWritten * 8) / rendition.secondsWritten)
        }
        let text = HLSPlaylistText.master(renditions: descriptors, peakBitsPerSecond: peak, averageBitsPerSecond: average)
        write(Data(text.utf8), to: nil, "master.m3u8", state: &state)
    }

    /// Writes atomically (temporary file + rename) so a reader never sees half a playlist.
    private func write(_ data: Data, to rendition: String?, _ file: String, state: inout State) {
        var url = directory
        if let rendition { url.appendPathComponent(rendition) }
        url.appendPathComponent(file)
        do { try data.write(to: url, options: .atomic) } catch {
            state.failure = state.failure ?? "cannot write \(url.path): \(error.localizedDescription)"
        }
    }
}
