import Foundation
import Profiles
import Testing

extension LadderOutput {
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
}
