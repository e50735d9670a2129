import Foundation

/// HLS playlist text for segments on disk (the `transcode` output). The live LL-HLS
/// playlists with parts are rendered by the Relay module from its chunk store.
enum HLSPlaylistText {
    struct Segment {
        var mediaSequence: Int
        var durationSeconds: Double
        var uri: String
        var followsDiscontinuity: Bool
    }

    /// A media playlist: EVENT while growing, with ENDLIST once finished.
    static func media(segments: [Segment], finished: Bool) -> String {
        let target = max(1, Int((segments.map(\.durationSeconds).max() ?? 1).rounded(.up)))
        var text = """
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-TARGETDURATION:\(target)
            #EXT-X-PLAYLIST-TYPE:EVENT
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MEDIA-SEQUENCE:\(segments.first?.mediaSequence ?? 0)
            #EXT-X-MAP:URI="init.mp4"

            """
        for segment in segments {
            if segment.followsDiscontinuity { text += "#EXT-X-DISCONTINUITY\n" }
            text += "#EXTINF:\(String(format: "%.6f", segment.durationSeconds)),\n\(segment.uri)\n"
        }
        if finished { text += "#EXT-X-ENDLIST\n" }
        return text
    }

    /// The master playlist: one variant per video rendition, audio as a shared group.
    /// `peakBitsPerSecond`/`averageBitsPerSecond` give measured rates where known.
    static func master(renditions: [RenditionDescriptor], peakBitsPerSecond: [String: Int], averageBitsPerSecond: [String: Int]) -> String {
        var text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        let audio = renditions.first { $0.kind == .audio }
        if let audio {
            text += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio\",DEFAULT=YES,AUTOSELECT=YES,URI=\"\(audio.name)/index.m3u8\"\n"
        }
        func declared(_ rendition: RenditionDescriptor) -> Int { rendition.bitrateKbps * 1000 }
        for video in renditions where video.kind == .video {
            let audioPeak = audio.map { peakBitsPerSecond[$0.name] ?? declared($0) } ?? 0
            let audioAverage = audio.map { averageBitsPerSecond[$0.name] ?? declared($0) } ?? 0
            // Declared peak before anything is measured: the rate controller's ceiling (1.5×).
            let peak = (peakBitsPerSecond[video.name] ?? declared(video) * 3 / 2) + audioPeak
            let average = (averageBitsPerSecond[video.name] ?? declared(video)) + audioAverage
            let codecs = ([video.codecs] + (audio.map { [$0.codecs] } ?? [])).joined(separator: ",")
            text += "#EXT-X-STREAM-INF:BANDWIDTH=\(peak),AVERAGE-BANDWIDTH=\(average),RESOLUTION=\(video.width)x\(video.height),"
            text += "CODECS=\"\(codecs)\",FRAME-RATE=\(String(format: "%.3f", Double(video.framesPerSecond)))"
            text += audio == nil ? "\n" : ",AUDIO=\"audio\"\n"
            text += "\(video.name)/index.m3u8\n"
        }
        return text
    }
}
