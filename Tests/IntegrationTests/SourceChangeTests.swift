import Foundation
import Profiles
import Testing

extension TranscodeLadderTests {
    @Suite("Source that changes mid-stream")
    struct SourceChangeTests {
        /// Two MPEG-TS files back to back (`cat a.ts b.ts`): 320x240 at 30 fps, then 640x360
        /// at 25 fps with timestamps starting over. The ladder keeps its sizes and frame rate
        /// and every rendition covers the whole 6 s.
        @Test("resolution and frame rate change: every rendition keeps producing for the whole duration")
        func resolutionAndFrameRateChange() async throws {
            let workspace = try Workspace("change")
            defer { workspace.remove() }
            let (profileURL, profile) = try TestProfiles.small(.vp9, in: workspace)
            let first = workspace.file("a.ts"), second = workspace.file("b.ts"), joined = workspace.file("joined.ts")
            try await SourceMedia(width: 320, height: 240, framesPerSecond: 30, seconds: 3).write(to: first, format: "mpegts", in: workspace)
            try await SourceMedia(width: 640, height: 360, framesPerSecond: 25, seconds: 3, toneHz: 880)
                .write(to: second, format: "mpegts", in: workspace)
            var bytes = try Data(contentsOf: first)
            bytes.append(try Data(contentsOf: second))
            try bytes.write(to: joined)

            let output = workspace.file("out")
            let run = try await Mutstream.transcode(profile: profileURL, input: joined.path, output: output, in: workspace)
            try #require(run.termination == .success, "mutstream transcode: \(run.termination)\n\(run.standardError)")

            let ladder = try LadderOutput(directory: output, profile: profile)
            try await ladder.expectComplete(in: workspace)
            for name in ladder.renditionNames {
                let total = ladder.playlist(name).totalSeconds
                #expect(abs(total - 6) <= profile.segmentSeconds, "\(name) holds \(total) s of a 6-s source")
            }
        }
    }
}
