import Foundation
import Profiles
import Testing

extension TranscodeLadderTests {
    @Suite("File source")
    struct FileSourceTests {
        /// A 4-second test pattern + tone file through a two-rung ladder of each codec (the
        /// shipped profile's settings, small rungs, 1-s segments).
        @Test("every rendition at the profile's size and codec, aligned keyframes, plays end to end",
              arguments: [VideoCodec.vp9, .vp8, .h264])
        func fileThroughTheLadder(codec: VideoCodec) async throws {
            let workspace = try Workspace("file-\(codec.rawValue)")
            defer { workspace.remove() }
            let (profileURL, profile) = try TestProfiles.small(codec, in: workspace)
            let source = workspace.file("source.mp4")
            try await SourceMedia(seconds: 4).write(to: source, format: "mp4", in: workspace)

            let output = workspace.file("out")
            let run = try await Mutstream.transcode(profile: profileURL, input: source.path, output: output, in: workspace)
            try #require(run.termination == .success, "mutstream transcode: \(run.termination)\n\(run.standardError)")

            let ladder = try LadderOutput(directory: output, profile: profile)
            try await ladder.expectComplete(in: workspace)
            // The whole file and nothing more: 4 s, four 1-s segments per video rung.
            for name in ladder.renditionNames {
                let total = ladder.playlist(name).totalSeconds
                #expect(abs(total - 4) <= 0.1, "\(name) holds \(total) s of a 4-s file")
            }
            for name in ladder.videoNames {
                #expect(ladder.playlist(name).segments.count == 4, "\(name): \(ladder.playlist(name).segments.count) segments")
                #expect(ladder.playlist(name).discontinuityIndices.isEmpty, "\(name): a file has no discontinuity")
            }
        }
    }
}
