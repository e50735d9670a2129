import Foundation
import Profiles

/// Small ladders for the tests: a shipped profile's codec, speed, options and audio, with
/// two tiny rungs and short segments so that a few seconds of input make several segments
/// on a shared two-core box.
enum TestProfiles {
    static let rungs = [
        Rendition(name: "r180", width: 320, height: 180, bitrateKbps: 300),
        Rendition(name: "r90", width: 160, height: 90, bitrateKbps: 120),
    ]

    /// The shipped profile that carries each codec's settings.
    static func shippedFile(for codec: VideoCodec) -> URL {
        let name = switch codec {
        case .vp9: "default.yaml"
        case .vp8: "vp8-low-power.yaml"
        case .h264: "h264.yaml"
        }
        return Paths.shippedProfiles.appendingPathComponent(name)
    }

    /// Writes the small variant of the shipped profile for `codec` into `workspace` and
    /// returns its path and the profile as mutstream will load it.
    static func small(_ codec: VideoCodec, in workspace: Workspace) throws -> (url: URL, profile: Profile) {
        var profile = try Profile.load(contentsOf: shippedFile(for: codec).path)
        profile.name = "small-\(codec.rawValue)"
        profile.segmentSeconds = 1
        profile.partSeconds = 0.25
        profile.frameRate = 24
        profile.video.renditions = rungs
        let url = workspace.file("\(profile.name).yaml")
        try yaml(profile).write(to: url, atomically: true, encoding: .utf8)
        // Read back through the product's loader so expectations come from what it will run.
        return (url, try Profile.load(contentsOf: url.path))
    }

    /// Profile YAML in the shape of Profiles/default.yaml.
    static func yaml(_ profile: Profile) -> String {
        var text = """
            name: \(profile.name)
            segment_seconds: \(profile.segmentSeconds)
            part_seconds: \(profile.partSeconds)
            frame_rate: \(profile.frameRate)
            video:
              codec: \(profile.video.codec.rawValue)
              speed: \(profile.video.speed)

            """
        if !profile.video.options.isEmpty {
            text += "  options:\n"
            for (key, value) in profile.video.options.sorted(by: { $0.key < $1.key }) {
                text += "    \(key): \"\(value)\"\n"
            }
        }
        text += "  renditions:\n"
        for rendition in profile.video.renditions {
            text += "    - { name: \(rendition.name), width: \(rendition.width), height: \(rendition.height), "
            text += "bitrate_kbps: \(rendition.bitrateKbps) }\n"
        }
        if let audio = profile.audio {
            text += "audio: { codec: \(audio.codec.rawValue), bitrate_kbps: \(audio.bitrateKbps), "
            text += "sample_rate: \(audio.sampleRate), channels: \(audio.channels) }\n"
        }
        return text
    }
}
