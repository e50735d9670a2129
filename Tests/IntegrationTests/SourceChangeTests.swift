import Foundation
import Profiles
import Testing

extension TranscodeLadderTests {
    @Suite("Source that changes mid-stream")
    struct SourceChangeTests {
        /// Two MPEG-TS files back to back (`cat a.ts b.ts`): 320x240 at 30 fps, then 640x360
        /// at 25 fps whose timestamps start over. The ladder keeps its sizes and frame rate and
        /// every rendition covers the whole source. With 3-s clips the timestamps jump back by
        /// 3 s; with 1.5-s clips by 1.5 s, which once fell under FrameTimeline's 2-s re-anchor
        /// threshold and dropped the second clip's video.
        @Test("resolution and frame rate change: every rendition keeps producing for the whole duration",
              arguments: [3.0, 1.5])
        func resolutionAndFrameRateChange(clipSeconds: Double) async throws {
            let workspace = try Workspace("change")
            defer { workspace.remove() }
            let (profileURL, profile) = try TestProfiles.small(.vp9, in: workspace)
            let first = workspace.file("a.ts"), second = workspace.file("b.ts"), joined = workspace.file("joined.ts")
            try await SourceMedia(width: 320, height: 240, framesPerSecond: 30, seconds: clipSeconds)
                .write(to: first, format: "mpegts", in: workspace)
            try await SourceMedia(width: 640, height: 360, framesPerSecond: 25, seconds: clipSeconds, toneHz: 880)
                .write(to: second, format: "mpegts", in: workspace)
            var bytes = try Data(contentsOf: first)
            bytes.append(try Data(contentsOf: second))
            try bytes.write(to: joined)

            let output = workspace.file("out")
            let run = try await Mutstream.transcode(profile: profileURL, input: joined.path, output: output, in: workspace)
            try #require(run.termination == .success, "mutstream transcode: \(run.termination)\n\(run.standardError)")

            let ladder = try LadderOutput(directory: output, profile: profile)
            let sourceSeconds = 2 * clipSeconds
            try await ladder.expectComplete(in: workspace)
            for name in ladder.renditionNames {
                let total = ladder.playlist(name).totalSeconds
                #expect(abs(total - sourceSeconds) <= profile.segmentSeconds, "\(name) holds \(total) s of a \(sourceSeconds)-s source")
            }
        }
    }
}
