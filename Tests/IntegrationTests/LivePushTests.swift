import Foundation
import Profiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension TranscodeLadderTests {
    @Suite("Live push")
    struct LivePushTests {
        /// mutstream listens; ffmpeg pushes 5 s in real time; SIGINT ends the session.
        @Test("ffmpeg pushes 5 s; after SIGINT every rendition is complete, aligned and plays",
              arguments: LiveInput.Kind.allCases)
        func pushThroughTheLadder(kind: LiveInput.Kind) async throws {
            let workspace = try Workspace("push-\(kind.rawValue)")
            defer { workspace.remove() }
            let (profileURL, profile) = try TestProfiles.small(.vp9, in: workspace)
            let live = try LiveInput(kind)
            let output = workspace.file("out")

            let mutstream = try Mutstream.startTranscode(profile: profileURL, input: live.listenURL, output: output, in: workspace)
            defer { mutstream.killIfRunning() }
            try await Ports.waitUntilListening(live.port, live.transport)

            let pushedSeconds = 5.0
            let pusher = try live.startPush(SourceMedia(seconds: pushedSeconds), in: workspace)
            defer { pusher.killIfRunning() }
            let pushed = try await pusher.waitForExit(timeoutSeconds: 30)
            #expect(pushed == .success, "ffmpeg push to \(live): \(pushed)\n\(pusher.standardError)")

            try await Task.sleep(for: .seconds(1))
            #expect(mutstream.isRunning, "a live input outlives its source; mutstream ended: \(mutstream.standardError)")
            mutstream.send(SIGINT)
            let ended = try await mutstream.waitForExit(timeoutSeconds: 20)
            try #require(ended == .success, "mutstream after SIGINT: \(ended)\n\(mutstream.standardError)")

            let ladder = try LadderOutput(directory: output, profile: profile)
            try await ladder.expectComplete(in: workspace)
            for name in ladder.renditionNames {
                let playlist = ladder.playlist(name)
                // All of the push but its first GOP or so (the input opens on a keyframe).
                #expect(playlist.totalSeconds >= pushedSeconds - 1.25 && playlist.totalSeconds <= pushedSeconds + 0.25,
                        "\(name) holds \(playlist.totalSeconds) s of a \(pushedSeconds)-s push")
                #expect(playlist.discontinuityIndices.isEmpty, "\(name): one push, yet a discontinuity")
            }
        }
    }
}
