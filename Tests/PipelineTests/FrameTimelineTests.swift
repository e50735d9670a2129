import Pipeline
import Testing

struct FrameTimelineTests {
    @Test func aSourceAtTheProfileRateMapsOneToOne() {
        var timeline = FrameTimeline(framesPerSecond: 30, framesPerSegment: 60)
        let placed = (0..<90).map { timeline.place(sourceSeconds: 10 + Double($0) / 30) }
        #expect(placed.allSatisfy { $0.count == 1 })
        #expect(placed.map(\.lowerBound) == Array(0..<90))
    }

    @Test func aSlowerSourceIsFilledByDuplicates() {
        var timeline = FrameTimeline(framesPerSecond: 30, framesPerSegment: 60)
        // 15 fps in: every frame covers two output frames.
        let counts = (0..<30).map { timeline.place(sourceSeconds: Double($0) / 15).count }
        #expect(counts.first == 1)
        #expect(counts.dropFirst().allSatisfy { $0 == 2 })
        #expect(timeline.nextIndex == 59)
    }

    @Test func aFasterSourceIsThinnedByDrops() {
        var timeline = FrameTimeline(framesPerSecond: 30, framesPerSegment: 60)
        let counts = (0..<120).map { timeline.place(sourceSeconds: Double($0) / 60).count }
        #expect(counts.filter { $0 == 0 }.count == 59)
        #expect(timeline.nextIndex == 61)
    }

    @Test func aTimestampJumpReanchorsInsteadOfFloodingDuplicates() {
        var timeline = FrameTimeline(framesPerSecond: 30, framesPerSegment: 60)
        for index in 0..<30 { _ = timeline.place(sourceSeconds: Double(index) / 30) }
        #expect(timeline.place(sourceSeconds: 5_000).count == 1, "a reset clock continues the timeline")
        #expect(timeline.place(sourceSeconds: 2).count == 1, "and so does a jump backwards")
        #expect(timeline.nextIndex == 32)
    }

    @Test func aShortBackwardJumpContinuesInsteadOfDropping() {
        var timeline = FrameTimeline(framesPerSecond: 30, framesPerSegment: 60)
        for index in 0..<60 { _ = timeline.place(sourceSeconds: Double(index) / 30) }
        // A splice: the clock goes back by one second.
        let afterSplice = (0..<30).map { timeline.place(sourceSeconds: 1 + Double($0) / 30).count }
        #expect(afterSplice.allSatisfy { $0 == 1 }, "no frame dropped after the splice")
        #expect(timeline.nextIndex == 90)
    }

    @Test func aReconnectStartsTheNextSegment() {
        var timeline = FrameTimeline(framesPerSecond: 30, framesPerSegment: 60)
        for index in 0..<75 { _ = timeline.place(sourceSeconds: Double(index) / 30) }
        #expect(timeline.startNewSegmentAfterDiscontinuity() == 120)
        let first = timeline.place(sourceSeconds: 999)
        #expect(first == 120..<121)
        #expect(timeline.startsSegment(first.lowerBound))
        // Already on a boundary: stays.
        var aligned = FrameTimeline(framesPerSecond: 30, framesPerSegment: 60)
        for index in 0..<60 { _ = aligned.place(sourceSeconds: Double(index) / 30) }
        #expect(aligned.startNewSegmentAfterDiscontinuity() == 60)
    }
}

struct PartClockTests {
    @Test func videoFramesAndAudioSamplesLandInTheSameParts() {
        let video = PartClock(partTicks: 15, partsPerSegment: 4)  // 0.5 s at 30 fps
        let audio = PartClock(partTicks: 24_000, partsPerSegment: 4)  // 0.5 s at 48 kHz
        for seconds in stride(from: 0.0, to: 10, by: 0.1) {
            let frame = Int64((seconds * 30).rounded(.down))
            let sample = Int64((seconds * 48_000).rounded(.down))
            #expect(video.partNumber(at: frame) == audio.partNumber(at: sample))
        }
        #expect(video.position(ofPart: 9) == (2, 1))
        #expect(audio.partNumber(at: -312) == 0, "encoder priming before zero belongs to the first part")
        #expect(video.end(ofPart: 3) == 60)
    }
}

struct CodecStringTests {
    @Test func vp9LevelsFollowPictureSizeAndRate() {
        #expect(CodecString.vp9(width: 1280, height: 720, framesPerSecond: 30) == "vp09.00.31.08")
        #expect(CodecString.vp9(width: 1920, height: 1080, framesPerSecond: 30) == "vp09.00.40.08")
        #expect(CodecString.vp9(width: 640, height: 360, framesPerSecond: 30) == "vp09.00.21.08")
        #expect(CodecString.vp9(width: 1920, height: 1080, framesPerSecond: 60) == "vp09.00.41.08")
    }

    @Test func h264FromAnnexBOrAvcC() {
        let annexB: [UInt8] = [0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1F, 0xAC, 0, 0, 0, 1, 0x68, 0xEB]
        #expect(CodecString.h264(extradata: annexB) == "avc1.64001F")
        let avcC: [UInt8] = [1, 0x4D, 0x40, 0x1E, 0xFF, 0xE1]
        #expect(CodecString.h264(extradata: avcC) == "avc1.4D401E")
    }
}

struct SourceSpecTests {
    @Test func inputsMapToTheRightDemuxerAndLiveness() throws {
        let demo = try SourceSpec.parse("demo:1920x1080@25")
        #expect(demo.format == "lavfi" && demo.url.contains("1920x1080") && demo.url.contains("rate=25"))
        #expect(try SourceSpec.parse("/tmp/a.mp4").isLive == false)
        let rtmp = try SourceSpec.parse("rtmp://127.0.0.1:1935/live/key?listen=1")
        #expect(rtmp.url == "rtmp://127.0.0.1:1935/live/key" && rtmp.options["listen"] == "1" && rtmp.isLive)
        #expect(try SourceSpec.parse("rtmp://0.0.0.0:1935/live/key").options["listen"] == "1")
        #expect(try SourceSpec.parse("rtmp://cdn.example/live/key").options["listen"] == nil)
        let udp = try SourceSpec.parse("udp://0.0.0.0:5000")
        #expect(udp.format == "mpegts" && udp.options["overrun_nonfatal"] == "1" && udp.isLive)
        #expect(try SourceSpec.parse("srt://0.0.0.0:9000?mode=listener").isLive)
        #expect(throws: SourceSpecError.self) { try SourceSpec.parse("demo:big") }
        #expect(throws: SourceSpecError.self) { try SourceSpec.parse("") }
    }
}
