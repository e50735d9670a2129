import Foundation
import Profiles
import Testing

/// A finished `transcode` output folder, read from disk, with the judgements every test
/// shares: the master, each rendition's playlist and streams (ffprobe), every segment
/// decoded on its own (ffprobe), keyframe alignment, and playback end to end (ffmpeg).
struct LadderOutput {
    let directory: URL
    let profile: Profile
    let master: MasterPlaylist
    /// Media playlists by rendition name; audio is "audio".
    let playlists: [String: MediaPlaylist]
    let hasAudio: Bool

    var videoNames: [String] { profile.video.renditions.map(\.name) }
    var renditionNames: [String] { videoNames + (hasAudio ? ["audio"] : []) }

    /// Reads the master and every media playlist; a missing file is an error.
    init(directory: URL, profile: Profile, expectAudio: Bool = true) throws {
        self.directory = directory
        self.profile = profile
        hasAudio = expectAudio && profile.audio != nil
        master = try MasterPlaylist(contentsOf: directory.appendingPathComponent("master.m3u8"))
        var playlists: [String: MediaPlaylist] = [:]
        for name in profile.video.renditions.map(\.name) + (hasAudio ? ["audio"] : []) {
            playlists[name] = try MediaPlaylist(contentsOf: directory.appendingPathComponent(name).appendingPathComponent("index.m3u8"))
        }
        self.playlists = playlists
    }

    func playlist(_ name: String) -> MediaPlaylist { playlists[name]! }

    /// Every shared judgement, in order.
    func expectComplete(in workspace: Workspace) async throws {
        expectMaster()
        expectBandwidthCoversSegments()
        expectPlaylists()
        try await expectStreams(in: workspace)
        try await expectSegments(in: workspace)
        try await expectPlaysToTheEnd(in: workspace)
    }

    // MARK: master

    static func videoCodecsPrefix(_ codec: VideoCodec) -> String {
        switch codec { case .vp9: "vp09."; case .vp8: "vp08."; case .h264: "avc1." }
    }

    static func audioCodecs(_ codec: AudioCodec) -> String {
        switch codec { case .opus: "Opus"; case .aac: "mp4a.40.2" }
    }

    /// One variant per video rung, in profile order, each with BANDWIDTH, RESOLUTION,
    /// CODECS and FRAME-RATE that match the profile; audio as an EXT-X-MEDIA group.
    func expectMaster() {
        #expect(master.variants.map(\.uri) == videoNames.map { "\($0)/index.m3u8" }, "variants of \(directory.lastPathComponent)/master.m3u8")
        for rendition in profile.video.renditions {
            guard let variant = master.variants.first(where: { $0.uri == "\(rendition.name)/index.m3u8" }) else { continue }
            let attributes = variant.attributes
            #expect(attributes["RESOLUTION"] == "\(rendition.width)x\(rendition.height)", "RESOLUTION of \(rendition.name)")
            #expect(attributes["FRAME-RATE"].flatMap(Double.init) == Double(profile.frameRate), "FRAME-RATE of \(rendition.name)")
            let bandwidth = attributes["BANDWIDTH"].flatMap(Int.init) ?? 0
            #expect(bandwidth > 0, "BANDWIDTH of \(rendition.name): \(attributes["BANDWIDTH"] ?? "missing")")
            if let average = attributes["AVERAGE-BANDWIDTH"].flatMap(Int.init) {
                #expect(average <= bandwidth, "AVERAGE-BANDWIDTH above BANDWIDTH for \(rendition.name)")
            }
            let codecs = (attributes["CODECS"] ?? "").split(separator: ",").map(String.init)
            #expect(codecs.first?.hasPrefix(Self.videoCodecsPrefix(profile.video.codec)) == true,
                    "CODECS of \(rendition.name): \(attributes["CODECS"] ?? "missing")")
            if hasAudio, let audio = profile.audio {
                #expect(codecs.count == 2 && codecs[1] == Self.audioCodecs(audio.codec), "audio in CODECS of \(rendition.name): \(codecs)")
                #expect(attributes["AUDIO"] == "audio", "AUDIO group of \(rendition.name)")
            }
        }
        if hasAudio {
            let group = master.media.first { $0["TYPE"] == "AUDIO" && $0["GROUP-ID"] == "audio" }
            #expect(group?["URI"] == "audio/index.m3u8", "EXT-X-MEDIA for the audio rendition: \(master.media)")
        }
    }

    /// BANDWIDTH is a peak: at least the bit rate of every full-length segment of the
    /// variant plus that of the audio segment of the same name (RFC 8216 §4.3.4.2: the sum
    /// of the renditions' peak segment bit rates).
    func expectBandwidthCoversSegments() {
        func bitsPerSecond(_ rendition: String, _ index: Int) -> Double? {
            let playlist = playlist(rendition)
            let segment = playlist.segments[index]
            guard !playlist.endsRun(index), segment.durationSeconds > 0 else { return nil }
            let path = directory.appendingPathComponent(rendition).appendingPathComponent(segment.uri).path
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            return Double(size ?? 0) * 8 / segment.durationSeconds
        }
        let audioIndex = Dictionary(hasAudio ? playlist("audio").segments.enumerated().map { ($1.uri, $0) } : [],
                                    uniquingKeysWith: { first, _ in first })
        for name in videoNames {
            guard let declared = master.variants.first(where: { $0.uri == "\(name)/index.m3u8" })?
                .attributes["BANDWIDTH"].flatMap(Double.init) else { continue }
            for (index, segment) in playlist(name).segments.enumerated() {
                guard let video = bitsPerSecond(name, index) else { continue }
                let audio = audioIndex[segment.uri].flatMap { bitsPerSecond("audio", $0) } ?? 0
                // + 2: each rendition's rate is rounded down to whole bit/s, and EXTINF to 6 decimals.
                #expect(video + audio <= declared + 2,
                        "\(name)/\(segment.uri) (+ audio) runs at \(Int(video + audio)) bit/s, BANDWIDTH says \(Int(declared))")
            }
        }
    }

    // MARK: media playlists

    /// Each playlist is finished (ENDLIST), names an existing init section and existing
    /// segments, and every segment but the last of a run lasts segment_seconds ±10 %.
    func expectPlaylists() {
        for name in renditionNames {
            let playlist = playlist(name)
            let folder = directory.appendingPathComponent(name)
            #expect(playlist.hasEndList, "\(name)/index.m3u8 has no EXT-X-ENDLIST")
            #expect(playlist.mapURI.map { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) } == true,
                    "\(name): EXT-X-MAP \(playlist.mapURI ?? "missing") is not on disk")
            #expect(!playlist.segments.isEmpty, "\(name) has no segments")
            for (index, segment) in playlist.segments.enumerated() {
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(segment.uri).path), "\(name)/\(segment.uri) missing")
                if !playlist.endsRun(index) {
                    #expect(abs(segment.durationSeconds - profile.segmentSeconds) <= 0.1 * profile.segmentSeconds,
                            "\(name)/\(segment.uri): EXTINF \(segment.durationSeconds) s, profile says \(profile.segmentSeconds) s\(marks(segment, segment.durationSeconds))")
                } else {
                    #expect(segment.durationSeconds <= 1.1 * profile.segmentSeconds,
                            "\(name)/\(segment.uri): EXTINF \(segment.durationSeconds) s, profile says at most \(profile.segmentSeconds) s\(marks(segment, segment.durationSeconds))")
                }
            }
        }
    }

    // MARK: streams

    /// ffprobe on each media playlist: one stream, the profile's codec, size and frame rate.
    func expectStreams(in workspace: Workspace) async throws {
        for rendition in profile.video.renditions {
            let streams = try await FFprobe.streams(of: directory.appendingPathComponent("\(rendition.name)/index.m3u8"), in: workspace)
            #expect(streams.count == 1, "\(rendition.name): \(streams.count) streams")
            guard let stream = streams.first else { continue }
            #expect(stream.codec_type == "video")
            #expect(stream.codec_name == profile.video.codec.rawValue, "\(rendition.name) codec \(stream.codec_name ?? "none")")
            #expect(stream.width == rendition.width && stream.height == rendition.height,
                    "\(rendition.name) is \(stream.width ?? 0)x\(stream.height ?? 0), profile says \(rendition.width)x\(rendition.height)")
            #expect(stream.r_frame_rate == "\(profile.frameRate)/1", "\(rendition.name) frame rate \(stream.r_frame_rate ?? "none")")
            expectCodecsString(of: rendition, describe: stream)
        }
        if hasAudio, let audio = profile.audio {
            let streams = try await FFprobe.streams(of: directory.appendingPathComponent("audio/index.m3u8"), in: workspace)
            #expect(streams.map(\.codec_type) == ["audio"], "audio rendition streams: \(streams.map(\.codec_type))")
            #expect(streams.first?.codec_name == audio.codec.rawValue, "audio codec \(streams.first?.codec_name ?? "none")")
        }
    }

    /// The master's CODECS names the profile and level the encoder really produced (H.264),
    /// or the profile and bit depth (VP9).
    private func expectCodecsString(of rendition: Rendition, describe stream: FFprobe.Stream) {
        guard let variant = master.variants.first(where: { $0.uri == "\(rendition.name)/index.m3u8" }),
              let codecs = variant.attributes["CODECS"]?.split(separator: ",").first.map(String.init) else { return }
        switch profile.video.codec {
        case .h264:
            let profileIDC: [String: Int] = ["Baseline": 66, "Constrained Baseline": 66, "Main": 77, "Extended": 88,
                                            "High": 100, "High 10": 110, "High 4:2:2": 122, "High 4:4:4 Predictive": 244]
            guard let idc = stream.profile.flatMap({ profileIDC[$0] }), let level = stream.level else {
                Issue.record("\(rendition.name): ffprobe profile \(stream.profile ?? "none") level \(stream.level ?? -1)")
                return
            }
            let hex = codecs.dropFirst("avc1.".count)
            #expect(hex.count == 6 && Int(hex.prefix(2), radix: 16) == idc && Int(hex.suffix(2), radix: 16) == level,
                    "\(rendition.name): CODECS \(codecs) but the stream is \(stream.profile ?? "") level \(level)")
        case .vp9:
            let fields = codecs.split(separator: ".")
            let number = stream.profile?.split(separator: " ").last.flatMap { Int($0) }
            #expect(fields.count >= 4 && Int(fields[1]) == number && fields[3] == "08",
                    "\(rendition.name): CODECS \(codecs) but the stream is \(stream.profile ?? "") 8-bit")
        case .vp8:
            break
        }
    }

    // MARK: segments

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
                let mark = segment.followsDiscontinuity ? " " + KnownIssues.afterDiscontinuityMarker : ""
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

    /// Tags a duration complaint with the known-bug symptoms it matches (see KnownIssues).
    private func marks(_ segment: MediaPlaylist.Segment, _ seconds: Double) -> String {
        var text = ""
        if segment.followsDiscontinuity { text += " " + KnownIssues.afterDiscontinuityMarker }
        if seconds > 1.1 * profile.segmentSeconds { text += " " + KnownIssues.longerThanASegmentMarker }
        return text
    }

    // MARK: playback

    /// `ffmpeg -v warning -i master.m3u8 -map 0 -f null -` reads every variant and the audio
    /// to the end: exit 0 and not one warning. `allowing` lists warnings a test accepts.
    func expectPlaysToTheEnd(in workspace: Workspace, allowing accepted: [String] = []) async throws {
        let run = try await CompletedRun.run(
            try Paths.tool("ffmpeg"),
            ["-nostdin", "-v", "warning", "-i", directory.appendingPathComponent("master.m3u8").path, "-map", "0", "-f", "null", "-"],
            label: "ffmpeg-play", in: workspace, timeoutSeconds: 120)
        #expect(run.termination == .success, "ffmpeg playing master.m3u8: \(run.termination)\n\(run.standardError)")
        let complaints = run.standardError.split(separator: "\n").filter { line in !accepted.contains { line.contains($0) } }
        #expect(complaints.isEmpty, "ffmpeg playing master.m3u8 warned:\n\(complaints.joined(separator: "\n"))")
    }
}
