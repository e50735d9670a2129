/// Renders a session's `auto` playlists.
///
/// The media playlist lists, for each segment, the parts and segment of the rendition the
/// session chose for it, by their shared URLs (`../{rendition}/part{msn}.{i}.m4s`, cacheable
/// like any other), with `EXT-X-MAP` naming that rendition's init section at the top and at
/// every switch. Switches fall on segment starts only, where every rendition starts with a
/// keyframe at the same presentation time on the shared timeline, so no
/// `EXT-X-DISCONTINUITY` is added: timestamps run on, and only the initialization section
/// (picture size, bit rate, codec level) changes, which `EXT-X-MAP` alone signals.
/// Discontinuities of the stream itself (a source restart) are carried over.
enum AutoPlaylist {
    static func renderMedia(window: AutoWindow, history: SwitchHistory, ladder: AutoLadder) -> String {
        let frontier = history.frontier
        // The listed window: back from the live edge while the history knows the rendition
        // and that rendition still holds the segment.
        var low = frontier
        while low - 1 >= history.oldestMediaSequence, let rendition = history.rendition(at: low - 1),
              let segment = window.renditions[rendition].segment(low - 1), segment.isComplete {
            low -= 1
        }
        let descriptor = window.descriptor
        let targetDuration = window.targetDurationSeconds
        var text = "#EXTM3U\n#EXT-X-VERSION:\(MediaPlaylist.version)\n#EXT-X-TARGETDURATION:\(targetDuration)\n"
        text.reserveCapacity(512 + (frontier - low + 1) * 512)
        text += "#EXT-X-PART-INF:PART-TARGET="
        text.appendDecimal(descriptor.partTargetSeconds)
        text += "\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK="
        text.appendDecimal(descriptor.partTargetSeconds * 3)
        text += "\n#EXT-X-MEDIA-SEQUENCE:\(low)\n"
        let lowRendition = history.rendition(at: low) ?? history.current
        // Discontinuities before `low` in that rendition's window count too: the sequence
        // must be the same number every rendition's own playlist would give this segment.
        let lowState = window.renditions[lowRendition]
        let discontinuitySequence = lowState.discontinuitySequence
            + lowState.segments.reduce(0) { $0 + ($1.mediaSequence < low && $1.discontinuity ? 1 : 0) }
        if discontinuitySequence > 0 { text += "#EXT-X-DISCONTINUITY-SEQUENCE:\(discontinuitySequence)\n" }
        text += "#EXT-X-INDEPENDENT-SEGMENTS\n"

        // Parts are listed for segments starting within three target durations of the edge.
        let partHorizonSeconds = 3.0 * Double(targetDuration)
        var fromEndSeconds = 0.0
        var firstWithParts = frontier
        var msn = frontier
        while msn >= low {
            let rendition = history.rendition(at: msn) ?? history.current
            fromEndSeconds += window.renditions[rendition].segment(msn)?.durationSeconds ?? 0
            if fromEndSeconds > partHorizonSeconds + 0.001 { break }
            firstWithParts = msn
            msn -= 1
        }

        var previousRendition = -1
        for msn in low...frontier {
            let rendition = history.rendition(at: msn) ?? history.current
            let name = ladder.names[rendition]
            let segment = window.renditions[rendition].segment(msn)
            if segment?.discontinuity == true { text += "#EXT-X-DISCONTINUITY\n" }
            if rendition != previousRendition {
                text += "#EXT-X-MAP:URI=\"../\(name)/init.mp4\"\n"
                previousRendition = rendition
            }
            guard let segment else { continue }
            if window.programDateTime, let milliseconds = segment.programDateTimeMilliseconds {
                text += "#EXT-X-PROGRAM-DATE-TIME:"
                text.appendISO8601(millisecondsSinceEpoch: milliseconds)
                text += "\n"
            }
            text.appendSegmentLines(segment, withParts: msn >= firstWithParts || !segment.isComplete, uriPrefix: "../\(name)/")
        }

        let edgeRendition = history.rendition(at: frontier) ?? history.current
        let edge = window.renditions[edgeRendition].segment(frontier)
        if window.hasEnded {
            text += "#EXT-X-ENDLIST\n"
        } else if edge?.isComplete != true {
            text += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"../\(ladder.names[edgeRendition])/part\(frontier).\(edge?.parts.count ?? 0).m4s\"\n"
        }
        return text
    }

    /// A multivariant playlist with one video variant, the session's `auto` media playlist
    /// (`index.m3u8?s=ID`, so the player's reloads carry the session), and the stream's audio
    /// renditions as `EXT-X-MEDIA`. `BANDWIDTH`, `CODECS` and `RESOLUTION` are the top
    /// rendition's: an upper bound over whatever the session is given.
    static func renderMaster(descriptor: StreamDescriptor, ladder: AutoLadder, sessionID: String) -> String {
        var text = "#EXTM3U\n#EXT-X-VERSION:\(MediaPlaylist.version)\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        let candidates = ladder.storeIndices.map { descriptor.renditions[$0] }
        let top = candidates.max { $0.peakBandwidthBitsPerSecond < $1.peakBandwidthBitsPerSecond } ?? candidates[0]
        let audio = top.kind == .video
            ? descriptor.renditions.filter { $0.kind == .audio && $0.audioGroup == top.audioGroup && top.audioGroup != nil }
            : []
        for (index, rendition) in audio.enumerated() {
            text += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"\(rendition.audioGroup ?? "audio")\",NAME=\"\(rendition.name)\""
            if let language = rendition.language { text += ",LANGUAGE=\"\(language)\"" }
            text += ",DEFAULT=\(index == 0 ? "YES" : "NO"),AUTOSELECT=YES"
            if let channels = rendition.channels { text += ",CHANNELS=\"\(channels)\"" }
            text += ",URI=\"../\(rendition.name)/index.m3u8\"\n"
        }
        let groupAudio = audio.max { $0.peakBandwidthBitsPerSecond < $1.peakBandwidthBitsPerSecond }
        let peak = top.peakBandwidthBitsPerSecond + (groupAudio?.peakBandwidthBitsPerSecond ?? 0)
        let average = (candidates.map(\.averageBandwidthBitsPerSecond).max() ?? 0) + (groupAudio?.averageBandwidthBitsPerSecond ?? 0)
        var codecs = top.codecs
        if let groupAudio, !groupAudio.codecs.isEmpty { codecs += "," + groupAudio.codecs }
        text += "#EXT-X-STREAM-INF:BANDWIDTH=\(peak),AVERAGE-BANDWIDTH=\(average),CODECS=\"\(codecs)\""
        if let width = candidates.compactMap(\.width).max(), let height = candidates.compactMap(\.height).max() {
            text += ",RESOLUTION=\(width)x\(height)"
        }
        if let frameRate = top.frameRate {
            text += ",FRAME-RATE="
            text.appendDecimal(frameRate)
        }
        if groupAudio != nil, let group = top.audioGroup { text += ",AUDIO=\"\(group)\"" }
        text += "\nindex.m3u8?s=\(sessionID)\n"
        return text
    }
}
