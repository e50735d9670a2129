/// Renders an LL-HLS media playlist (RFC 8216bis) from a rendition's window.
///
/// URIs are relative to the playlist: `init.mp4`, `seg{msn}.m4s`, `part{msn}.{index}.m4s`.
enum MediaPlaylist {
    static let version = 9

    /// `EXT-X-TARGETDURATION`: the segment target rounded up, and never below a segment seen.
    static func targetDurationSeconds(stream: StreamDescriptor, rendition: RenditionState) -> Int {
        max(Int(stream.segmentTargetSeconds.rounded(.up)), rendition.longestSegmentRoundedSeconds, 1)
    }

    static func render(stream: StreamState, rendition: RenditionState, programDateTime: Bool) -> String {
        let descriptor = stream.descriptor
        let targetDuration = Self.targetDurationSeconds(stream: descriptor, rendition: rendition)
        let segments = rendition.segments
        var text = "#EXTM3U\n#EXT-X-VERSION:\(Self.version)\n#EXT-X-TARGETDURATION:\(targetDuration)\n"
        text.reserveCapacity(256 + segments.count * 512)
        text += "#EXT-X-PART-INF:PART-TARGET="
        text.appendDecimal(descriptor.partTargetSeconds)
        text += "\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK="
        // Three part targets: the spec's minimum is two, three is the recommended margin.
        text.appendDecimal(descriptor.partTargetSeconds * 3)
        text += "\n#EXT-X-MEDIA-SEQUENCE:\(segments.first?.mediaSequence ?? 0)\n"
        if rendition.discontinuitySequence > 0 {
            text += "#EXT-X-DISCONTINUITY-SEQUENCE:\(rendition.discontinuitySequence)\n"
        }
        text += "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n"

        // Parts are listed for segments that start within three target durations of the live
        // edge; older segments are listed whole (their parts stay fetchable in the window).
        let partHorizonSeconds = 3.0 * Double(targetDuration)
        var fromEndSeconds = 0.0
        var firstSegmentWithParts = segments.count
        for index in segments.indices.reversed() {
            fromEndSeconds += segments[index].durationSeconds
            if fromEndSeconds > partHorizonSeconds + 0.001 { break }
            firstSegmentWithParts = index
        }
        // The open segment's parts are always listed, whatever the horizon.
        if let last = segments.last, !last.isComplete {
            firstSegmentWithParts = min(firstSegmentWithParts, segments.count - 1)
        }

        for (index, segment) in segments.enumerated() {
            if segment.discontinuity { text += "#EXT-X-DISCONTINUITY\n" }
            if programDateTime, let milliseconds = segment.programDateTimeMilliseconds {
                text += "#EXT-X-PROGRAM-DATE-TIME:"
                text.appendISO8601(millisecondsSinceEpoch: milliseconds)
                text += "\n"
            }
            text.appendSegmentLines(segment, withParts: index >= firstSegmentWithParts, uriPrefix: "")
        }

        if stream.hasEnded {
            text += "#EXT-X-ENDLIST\n"
        } else if let last = segments.last {
            let next = last.isComplete
                ? PartPosition(mediaSequence: last.mediaSequence + 1, partIndex: 0)
                : PartPosition(mediaSequence: last.mediaSequence, partIndex: last.parts.count)
            text += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part\(next.mediaSequence).\(next.partIndex).m4s\"\n"
        }

        // Rendition reports let a player switch renditions with one blocking request.
        if !stream.hasEnded {
            for other in stream.renditions where other !== rendition {
                guard let position = other.lastPosition else { continue }
                text += "#EXT-X-RENDITION-REPORT:URI=\"../\(other.descriptor.name)/index.m3u8\",LAST-MSN=\(position.mediaSequence),LAST-PART=\(position.partIndex)\n"
            }
        }
        return text
    }
}
