import Foundation
import Profiles
import Testing

extension LadderOutput {
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
}
