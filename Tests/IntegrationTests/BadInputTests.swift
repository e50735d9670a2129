import Foundation
import Profiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension TranscodeLadderTests {
    @Suite("Bad inputs and signals")
    struct BadInputTests {
        @Test("a missing input file: non-zero exit, the message names the file, no playlist")
        func missingInputFile() async throws {
            let workspace = try Workspace("missing")
            defer { workspace.remove() }
            let (profileURL, _) = try TestProfiles.small(.vp9, in: workspace)
            let missing = workspace.file("no-such-clip.mp4")
            let output = workspace.file("out")
            let run = try await Mutstream.transcode(profile: profileURL, input: missing.path, output: output, in: workspace)
            #expect(!run.termination.bySignal && run.termination.status != 0, "mutstream on a missing file: \(run.termination)")
            #expect(run.standardError.contains(missing.path), "stderr does not name \(missing.path):\n\(run.standardError)")
            #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("master.m3u8").path))
        }

        @Test("a profile with errors: exit 2, one `file: field.path: reason` line per problem, nothing written")
        func profileWithErrors() async throws {
            let workspace = try Workspace("bad-profile")
            defer { workspace.remove() }
            let (goodURL, good) = try TestProfiles.small(.vp9, in: workspace)
            var yaml = TestProfiles.yaml(good)
            yaml = yaml.replacingOccurrences(of: "bitrate_kbps: 120", with: "bitrate_kbps: -5")
            yaml = yaml.replacingOccurrences(of: "codec: vp9", with: "codec: av1")
            let bad = workspace.file("bad.yaml")
            try yaml.write(to: bad, atomically: true, encoding: .utf8)
            let source = workspace.file("source.mp4")
            try await SourceMedia(seconds: 1).write(to: source, format: "mp4", in: workspace)
            _ = goodURL

            let output = workspace.file("out")
            let run = try await Mutstream.transcode(profile: bad, input: source.path, output: output, in: workspace)
            #expect(run.termination == .init(status: 2, bySignal: false), "mutstream with a bad profile: \(run.termination)")
            let lines = run.standardError.split(separator: "\n").map(String.init)
                .filter { !$0.contains(" info ") && !$0.contains(" notice ") }
            let prefix = bad.path + ": "
            #expect(lines.contains { $0.hasPrefix(prefix + "video.renditions[1].bitrate_kbps: ") && $0.contains("-5") },
                    "no line for the bitrate:\n\(run.standardError)")
            #expect(lines.contains { $0.hasPrefix(prefix + "video.codec: ") && $0.contains("av1") },
                    "no line for the codec:\n\(run.standardError)")
            // Every line is `file: field.path: reason`.
            let shape = #/^(.+): ([a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*): (.+)$/#
            for line in lines {
                #expect(line.hasPrefix(prefix) && line.wholeMatch(of: shape) != nil, "not `file: field.path: reason`: \(line)")
            }
            #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("master.m3u8").path))
        }

        /// SIGTERM while a file is being transcoded (held to real time so there is a "while"):
        /// the open segments are closed and every playlist is finished, exit 0.
        @Test("SIGTERM during a file transcode: exit 0, every playlist finished with ENDLIST, plays")
        func sigtermDuringFileTranscode() async throws {
            let workspace = try Workspace("sigterm")
            defer { workspace.remove() }
            let (profileURL, profile) = try TestProfiles.small(.vp9, in: workspace)
            let source = workspace.file("source.mp4")
            let sourceSeconds = 10.0
            try await SourceMedia(seconds: sourceSeconds).write(to: source, format: "mp4", in: workspace)
            let output = workspace.file("out")

            let mutstream = try Mutstream.startTranscode(profile: profileURL, input: source.path, output: output,
                                                         extraArguments: ["--realtime"], in: workspace)
            defer { mutstream.killIfRunning() }
            try await Mutstream.waitForSegments(2, rendition: "r180", in: output, while: mutstream)
            mutstream.send(SIGTERM)
            let ended = try await mutstream.waitForExit(timeoutSeconds: 15)
            try #require(ended == .success, "mutstream after SIGTERM: \(ended)\n\(mutstream.standardError)")

            let ladder = try LadderOutput(directory: output, profile: profile)
            try await ladder.expectComplete(in: workspace)
            for name in ladder.videoNames {
                let total = ladder.playlist(name).totalSeconds
                #expect(total >= 2 && total < sourceSeconds - 2, "\(name) holds \(total) s: SIGTERM was not honoured promptly")
            }
        }
    }
}
