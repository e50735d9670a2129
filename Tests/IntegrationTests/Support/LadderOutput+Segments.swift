import Foundation
import Testing

extension LadderOutput {
    /// Every segment decoded on its own: it starts with a keyframe (flagged, and decoded as
    /// one), every packet decodes, every frame has the rendition's size. Across renditions the
    /// segments have the same names, discontinuities and first PTS; consecutive starts are
    /// segment_seconds apart (±10 %) and agree with EXTINF. Returns the first PTS per segment.
    @discardableResult
    func expectSegments(in workspace: Workspace) async throws -> [String: [Double]] {
        var starts: [String: [Double]] = [:]
        for rendition in profile.video.renditions {
            let folder = directory.appendingPathComponent(rendition.name)
            var first: [Double] = []
            for segment in playlist(rendition.name).segments {
                let probe = try await FFprobe.segment(segment.uri, in: folder, workspace: workspace)
                let where_ = "\(rendition.name)/\(segment.uri)"
                #expect(!probe.frames.isEmpty, "\(where_) decodes to no frames")
                first.append(probe.firstPtsSeconds ?? .nan)
                if let packet = probe.packets.min(by: { $0.ptsSeconds < $1.ptsSeconds }) {
                    #expect(packet.isKeyframe, "\(where_): first packet (pts \(packet.ptsSeconds)) is not flagged as a keyframe")
                }
                if let frame = probe.frames.first {
                    #expect(frame.isKeyframe && frame.pictureType == "I",
                            "\(where_): first decoded frame (pts \(frame.ptsSeconds)) is \(frame.pictureType ?? "?"), not a keyframe")
                }
                #expect(probe.frames.count == probe.packets.count,
                        "\(where_): \(probe.packets.count) packets but \(probe.frames.count) frames decode on their own")
                let sizes = Set(probe.frames.map { "\($0.width ?? 0)x\($0.height ?? 0)" })
                #expect(sizes == ["\(rendition.width)x\(rendition.height)"], "\(where_): frame sizes \(sizes)")
            }
            starts[rendition.name] = first
        }
        if hasAudio {
            let folder = directory.appendingPathComponent("audio")
            var first: [Double] = []
            for segment in playlist("audio").segments {
                let probe = try await FFprobe.segment(segment.uri, in: folder, workspace: workspace)
                #expect(!probe.packets.isEmpty, "audio/\(segment.uri) holds no packets")
                first.append(probe.firstPtsSeconds ?? .nan)
            }
            starts["audio"] = first
        }
        expectAlignment(starts)
        expectMeasuredDurations(starts)
        return starts
    }

    private func expectAlignment(_ starts: [String: [Double]]) {
        guard let reference = videoNames.first else { return }
        let referenceList = playlist(reference)
        for name in videoNames.dropFirst() {
            let other = playlist(name)
            #expect(other.segments.map(\.uri) == referenceList.segments.map(\.uri), "\(name) and \(reference) list different segments")
            #expect(other.discontinuityIndices == referenceList.discontinuityIndices, "\(name) and \(reference) have discontinuities at different segments")
            for (index, (a, b)) in zip(starts[reference] ?? [], starts[name] ?? []).enumerated() where !(abs(a - b) <= 0.001) {
                Issue.record("segment \(referenceList.segments[index].uri) starts at \(a) s in \(reference) but \(b) s in \(name)")
            }
        }
        // Audio shares the timeline: its segment N starts where video segment N does, give or
        // take an audio frame (20–21 ms) and the encoder's priming.
        if hasAudio {
            let video = Dictionary(zip(referenceList.segments.map(\.uri), starts[reference] ?? []), uniquingKeysWith: { a, _ in a })
            for (segment, start) in zip(playlist("audio").segments, starts["audio"] ?? []) {
                guard let videoStart = video[segment.uri] else { continue }
                let mark = segment.followsDiscontinuity ? " (first segment after a discontinuity)" : ""
                #expect(abs(start - videoStart) <= 0.05, "audio/\(segment.uri) starts at \(start) s, video at \(videoStart) s\(mark)")
            }
        }
    }

    private func expectMeasuredDurations(_ starts: [String: [Double]]) {
        for name in renditionNames {
            let playlist = playlist(name)
            guard let first = starts[name], first.count == playlist.segments.count else { continue }
            for index in playlist.segments.indices where !playlist.endsRun(index) {
                let measured = first[index + 1] - first[index]
                let segment = playlist.segments[index]
                #expect(abs(measured - profile.segmentSeconds) <= 0.1 * profile.segmentSeconds,
                        "\(name)/\(segment.uri) lasts \(measured) s by its timestamps, profile says \(profile.segmentSeconds) s\(marks(segment, measured))")
                #expect(abs(measured - segment.durationSeconds) <= 0.05,
                        "\(name)/\(segment.uri): timestamps say \(measured) s, EXTINF \(segment.durationSeconds) s\(marks(segment, measured))")
            }
        }
    }

    /// Says where a complaint sits when that is a likely cause (the join after a reconnect).
    func marks(_ segment: MediaPlaylist.Segment, _ seconds: Double) -> String {
        segment.followsDiscontinuity ? " (first segment after a discontinuity)" : ""
    }
}
