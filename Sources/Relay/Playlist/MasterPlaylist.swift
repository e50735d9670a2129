/// Renders a stream's master (multivariant) playlist.
///
/// Every video rendition gets an `EXT-X-STREAM-INF` whose `BANDWIDTH` and `CODECS` include
/// its audio group's (the audio track is shared and played alongside); audio renditions are
/// `EXT-X-MEDIA:TYPE=AUDIO`. An audio-only stream lists its audio renditions as variants.
enum MasterPlaylist {
    static func render(_ stream: StreamDescriptor) -> String {
        var text = "#EXTM3U\n#EXT-X-VERSION:\(MediaPlaylist.version)\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        let audio = stream.renditions.filter { $0.kind == .audio }
        let video = stream.renditions.filter { $0.kind == .video }

        var defaultTaken: Set<String> = []
        for rendition in audio {
            let group = rendition.audioGroup ?? "audio"
            let isDefault = defaultTaken.insert(group).inserted
            text += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"\(group)\",NAME=\"\(rendition.name)\""
            if let language = rendition.language { text += ",LANGUAGE=\"\(language)\"" }
            text += ",DEFAULT=\(isDefault ? "YES" : "NO"),AUTOSELECT=YES"
            if let channels = rendition.channels { text += ",CHANNELS=\"\(channels)\"" }
            text += ",URI=\"\(rendition.name)/index.m3u8\"\n"
        }

        let variants = video.isEmpty ? audio : video
        for rendition in variants {
            // The audio rendition of the group that costs most, so BANDWIDTH is an upper bound.
            let groupAudio = video.isEmpty ? nil : audio
                .filter { $0.audioGroup == rendition.audioGroup && rendition.audioGroup != nil }
                .max { $0.peakBandwidthBitsPerSecond < $1.peakBandwidthBitsPerSecond }
            let peak = rendition.peakBandwidthBitsPerSecond + (groupAudio?.peakBandwidthBitsPerSecond ?? 0)
            let average = rendition.averageBandwidthBitsPerSecond + (groupAudio?.averageBandwidthBitsPerSecond ?? 0)
            var codecs = rendition.codecs
            if let groupAudio, !groupAudio.codecs.isEmpty { codecs += "," + groupAudio.codecs }
            text += "#EXT-X-STREAM-INF:BANDWIDTH=\(peak),AVERAGE-BANDWIDTH=\(average),CODECS=\"\(codecs)\""
            if let width = rendition.width, let height = rendition.height {
                text += ",RESOLUTION=\(width)x\(height)"
            }
            if let frameRate = rendition.frameRate {
                text += ",FRAME-RATE="
                text.appendDecimal(frameRate)
            }
            if groupAudio != nil, let group = rendition.audioGroup {
                text += ",AUDIO=\"\(group)\""
            }
            text += "\n\(rendition.name)/index.m3u8\n"
        }
        return text
    }
}
