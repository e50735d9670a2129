import Foundation
import LibAV
import Profiles

/// Turns a profile into encoder settings: codec names, realtime options, the GOP that makes
/// every segment start with a keyframe, and encoder threads shared out over the cores.
public struct RenditionPlan: Sendable {
    public let profile: Profile
    public let video: [(rendition: Rendition, settings: VideoEncoderSettings)]
    public let audio: AudioEncoderSettings?

    public init(profile: Profile, coreCount: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.profile = profile
        let pixels = profile.video.renditions.map { $0.width * $0.height }
        let totalPixels = max(1, pixels.reduce(0, +))
        video = profile.video.renditions.enumerated().map { index, rendition in
            // Lanes already run in parallel; internal threads go to the big rungs, at least one each.
            let threads = max(1, Int(Double(coreCount) * Double(pixels[index]) / Double(totalPixels)))
            return (rendition, Self.videoSettings(profile, rendition, threads: threads))
        }
        audio = profile.audio.map(Self.audioSettings)
    }

    /// What each rendition will be, in ladder order with audio last. `h264Codecs` gives the
    /// H.264 codec string of video rung `index` (it depends on the opened encoder's SPS).
    public func descriptors(hasAudio: Bool, h264Codecs: (Int) -> String) -> [RenditionDescriptor] {
        var result = video.enumerated().map { index, entry in
            let rendition = entry.rendition
            let codecs = switch profile.video.codec {
            case .vp9: CodecString.vp9(width: rendition.width, height: rendition.height, framesPerSecond: profile.frameRate)
            case .vp8: CodecString.vp8()
            case .h264: h264Codecs(index)
            }
            return RenditionDescriptor(
                name: rendition.name, kind: .video, width: rendition.width, height: rendition.height,
                framesPerSecond: profile.frameRate, bitrateKbps: rendition.bitrateKbps, codecs: codecs,
                segmentSeconds: profile.segmentSeconds, partSeconds: profile.partSeconds)
        }
        if hasAudio, let audio = profile.audio {
            result.append(RenditionDescriptor(
                name: "audio", kind: .audio, width: 0, height: 0, framesPerSecond: 0, bitrateKbps: audio.bitrateKbps,
                codecs: audio.codec == .opus ? CodecString.opus() : CodecString.aac(),
                segmentSeconds: profile.segmentSeconds, partSeconds: profile.partSeconds))
        }
        return result
    }

    /// The libav encoder and the options that make it a live ladder rung.
    static func videoSettings(_ profile: Profile, _ rendition: Rendition, threads: Int) -> VideoEncoderSettings {
        let ladder = profile.video
        var options: [String: String]
        let encoderName: String
        switch ladder.codec {
        case .vp9:
            encoderName = "libvpx-vp9"
            options = ["deadline": "realtime", "cpu-used": "\(ladder.speed)", "lag-in-frames": "0", "row-mt": "1"]
        case .vp8:
            encoderName = "libvpx"
            options = ["deadline": "realtime", "cpu-used": "\(ladder.speed)", "lag-in-frames": "0"]
        case .h264:
            encoderName = "libx264"
            // forced-idr: a forced keyframe is an IDR, so every segment is independently decodable.
            // repeat-headers: SPS and PPS in-band at every IDR too (identical to the init
            // section's avcC), so a player that keeps one decoder when an `auto` playlist's
            // EXT-X-MAP switches rendition (ffmpeg's HLS demuxer skips the new init section)
            // still decodes the new picture size; VP9 carries its size in every keyframe.
            options = ["preset": VideoCodec.x264Preset(speed: ladder.speed), "forced-idr": "1",
                       "x264-params": "scenecut=0:open-gop=0:repeat-headers=1"]
        }
        options.merge(ladder.options) { _, user in user }
        return VideoEncoderSettings(
            encoderName: encoderName, width: rendition.width, height: rendition.height,
            timeBase: Rational(1, Int32(profile.frameRate)), frameRate: Rational(Int32(profile.frameRate), 1),
            bitrateKbps: rendition.bitrateKbps, maxBitrateKbps: rendition.bitrateKbps * 3 / 2,
            gopFrames: profile.framesPerSegment, threadCount: threads, options: options)
    }

    static func audioSettings(_ audio: AudioSettings) -> AudioEncoderSettings {
        AudioEncoderSettings(
            encoderName: audio.codec == .opus ? "libopus" : "aac", sampleRate: audio.sampleRate,
            channelCount: audio.channels, bitrateKbps: audio.bitrateKbps)
    }
}
