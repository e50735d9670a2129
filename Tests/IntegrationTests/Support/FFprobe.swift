import Foundation

/// ffprobe as the judge: stream parameters of a playlist, and the packets and decoded
/// frames of one segment read on its own (init section + segment, nothing before it).
enum FFprobe {
    struct Stream: Decodable {
        var codec_name: String?
        var codec_type: String?
        var profile: String?
        var level: Int?
        var width: Int?
        var height: Int?
        var r_frame_rate: String?
    }

    /// The streams libavformat sees in `url` (a media playlist here).
    static func streams(of url: URL, in workspace: Workspace) async throws -> [Stream] {
        try await streams(at: url.path, in: workspace)
    }

    /// The streams libavformat sees at `location` (a path or an http:// URL).
    static func streams(at location: String, in workspace: Workspace) async throws -> [Stream] {
        struct Output: Decodable { var streams: [Stream] }
        let json = try await probe(["-show_entries", "stream=codec_name,codec_type,profile,level,width,height,r_frame_rate",
                                    location], in: workspace)
        return try JSONDecoder().decode(Output.self, from: Data(json.utf8)).streams
    }

    /// What one segment holds when decoded alone.
    struct SegmentProbe {
        struct Packet { var ptsSeconds: Double; var isKeyframe: Bool }
        struct Frame { var ptsSeconds: Double; var isKeyframe: Bool; var pictureType: String?; var width: Int?; var height: Int? }
        var packets: [Packet]
        var frames: [Frame]
        var firstPtsSeconds: Double? { packets.map(\.ptsSeconds).min() }
    }

    /// Probes `init.mp4` + `segment` of the rendition folder `directory` through the concat
    /// protocol: packets with keyframe flags, and what the decoder makes of them.
    static func segment(_ segment: String, initSection: String = "init.mp4", in directory: URL,
                        workspace: Workspace) async throws -> SegmentProbe {
        struct Entry: Decodable {
            var type: String
            var pts_time: String?
            var flags: String?
            var key_frame: Int?
            var pict_type: String?
            var width: Int?
            var height: Int?
        }
        struct Output: Decodable { var packets_and_frames: [Entry]? }
        let source = "concat:\(directory.appendingPathComponent(initSection).path)|\(directory.appendingPathComponent(segment).path)"
        let json = try await probe(["-select_streams", "0", "-show_packets", "-show_frames",
                                    "-show_entries", "packet=pts_time,flags:frame=pts_time,key_frame,pict_type,width,height",
                                    source], in: workspace)
        let entries = try JSONDecoder().decode(Output.self, from: Data(json.utf8)).packets_and_frames ?? []
        var probe = SegmentProbe(packets: [], frames: [])
        for entry in entries {
            let pts = entry.pts_time.flatMap(Double.init) ?? .nan
            if entry.type == "packet" {
                probe.packets.append(.init(ptsSeconds: pts, isKeyframe: entry.flags?.hasPrefix("K") == true))
            } else if entry.type == "frame" {
                probe.frames.append(.init(ptsSeconds: pts, isKeyframe: entry.key_frame == 1, pictureType: entry.pict_type,
                                          width: entry.width, height: entry.height))
            }
        }
        probe.frames.sort { $0.ptsSeconds < $1.ptsSeconds }
        return probe
    }

    private static func probe(_ arguments: [String], in workspace: Workspace) async throws -> String {
        let run = try await CompletedRun.run(try Paths.tool("ffprobe"), ["-v", "error", "-of", "json"] + arguments,
                                             label: "ffprobe", in: workspace)
        guard run.termination == .success else {
            throw SetupError("ffprobe \(arguments.last ?? "") failed (\(run.termination)): \(run.standardError)")
        }
        return run.standardOutput
    }
}
