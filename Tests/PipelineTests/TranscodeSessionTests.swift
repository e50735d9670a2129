import Foundation
import Logging
import Pipeline
import Profiles
import Synchronization
import Testing

/// A sink that keeps everything it is given.
final class CollectingSink: MediaSink {
    struct Snapshot {
        var renditions: [RenditionDescriptor] = []
        var initSections: [String: [UInt8]] = [:]
        var parts: [MediaPart] = []
        var ended: Set<String> = []
    }
    let state = Mutex(Snapshot())
    func begin(renditions: [RenditionDescriptor]) { state.withLock { $0.renditions = renditions } }
    func initSection(rendition: String, bytes: [UInt8]) { state.withLock { $0.initSections[rendition] = bytes } }
    func part(_ part: MediaPart) { state.withLock { $0.parts.append(part) } }
    func end(rendition: String) { _ = state.withLock { $0.ended.insert(rendition) } }
    var snapshot: Snapshot { state.withLock { $0 } }
}

@Suite(.serialized)
struct TranscodeSessionTests {
    static let profile = Profile(
        name: "test", segmentSeconds: 1, partSeconds: 0.25, frameRate: 20,
        video: VideoLadder(codec: .vp9, speed: 8, renditions: [
            Rendition(name: "small", width: 160, height: 90, bitrateKbps: 200),
            Rendition(name: "tiny", width: 96, height: 54, bitrateKbps: 100),
        ]),
        audio: AudioSettings(codec: .opus, bitrateKbps: 32))

    @Test func everyRenditionGetsAlignedPartsAndSegments() throws {
        let sink = CollectingSink()
        let session = TranscodeSession(
            profile: Self.profile, source: .demo(width: 320, height: 180, framesPerSecond: 25), sink: sink,
            options: .init(maximumDurationSeconds: 3), logger: Logger(label: "test"))
        try session.run()
        let output = sink.snapshot
        #expect(output.renditions.map(\.name) == ["small", "tiny", "audio"])
        #expect(output.ended == ["small", "tiny", "audio"])
        for name in ["small", "tiny", "audio"] {
            let initSection = try #require(output.initSections[name])
            #expect(String(decoding: initSection[4..<8], as: UTF8.self) == "ftyp")
            let parts = output.parts.filter { $0.rendition == name }
            // 3 s of 1 s segments, 4 parts each.
            #expect(parts.count == 12, "\(name): \(parts.count) parts")
            #expect(parts.map(\.mediaSequence) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
            #expect(parts.map(\.partIndex) == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])
            #expect(parts.filter(\.endsSegment).count == 3)
            for part in parts {
                #expect(abs(part.durationSeconds - 0.25) < 0.03, "\(name) part \(part.mediaSequence).\(part.partIndex): \(part.durationSeconds) s")
                #expect(String(decoding: part.bytes[4..<8], as: UTF8.self) == "moof")
            }
        }
        // Video: every segment's first part starts with a keyframe at the same time in both renditions.
        for name in ["small", "tiny"] {
            let starts = output.parts.filter { $0.rendition == name && $0.partIndex == 0 }
            #expect(starts.allSatisfy { $0.independent })
            #expect(starts.map(\.startSeconds) == [0, 1, 2])
        }
        #expect(session.stats.inputFrameCount >= 70)
        #expect(session.stats.renditions.allSatisfy { $0.framesEncoded > 0 })
    }

    @Test func aMissingFileIsAnErrorThatNamesIt() {
        let session = TranscodeSession(
            profile: Self.profile, source: SourceSpec(url: "/nonexistent/input.mp4", isLive: false), sink: CollectingSink(),
            logger: Logger(label: "test"))
        do {
            try session.run()
            Issue.record("a missing file must fail")
        } catch {
            #expect("\(error)".contains("/nonexistent/input.mp4"))
        }
    }

    @Test func stopEndsALiveSourceWithClosedSegments() throws {
        let sink = CollectingSink()
        let session = TranscodeSession(
            profile: Self.profile, source: .demo(width: 160, height: 90, framesPerSecond: 20, realtime: true), sink: sink,
            logger: Logger(label: "test"))
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            try? session.run()
            finished.signal()
        }
        thread.start()
        Thread.sleep(forTimeInterval: 1.6)
        session.stop()
        #expect(finished.wait(timeout: .now() + 10) == .success, "stop() must end a live session promptly")
        let parts = sink.snapshot.parts.filter { $0.rendition == "small" }
        #expect(parts.count >= 4)
        #expect(parts.last?.endsSegment == true, "the open segment is closed on stop")
        #expect(sink.snapshot.ended.contains("small"))
    }
}
