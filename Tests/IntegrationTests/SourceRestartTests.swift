import Foundation
import Profiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension TranscodeLadderTests {
    @Suite("Live source killed and restarted")
    struct SourceRestartTests {
        /// How long mutstream waits without data before it reopens a live source (its
        /// documented stall timeout) plus its first backoff and some slack.
        static let reopenAfterSeconds = 5.0 + 0.5 + 1.0

        /// Push, SIGKILL the pusher mid-stream, push again once mutstream has reopened the
        /// input, SIGINT: the output continues after one discontinuity in every rendition.
        @Test("SIGKILL the pusher, push again: every rendition continues after one discontinuity",
              arguments: [LiveInput.Kind.udp, .srt])
        func sourceKilledAndRestarted(kind: LiveInput.Kind) async throws {
            let workspace = try Workspace("restart-\(kind.rawValue)")
            defer { workspace.remove() }
            let (profileURL, profile) = try TestProfiles.small(.vp9, in: workspace)
            let live = try LiveInput(kind)
            let output = workspace.file("out")

            let mutstream = try Mutstream.startTranscode(profile: profileURL, input: live.listenURL, output: output, in: workspace)
            defer { mutstream.killIfRunning() }
            try await Ports.waitUntilListening(live.port, live.transport)

            // First connection: killed without warning once three segments are out.
            let first = try live.startPush(SourceMedia(seconds: 60), in: workspace)
            defer { first.killIfRunning() }
            try await Mutstream.waitForSegments(3, rendition: "r180", in: output, while: mutstream)
            first.send(SIGKILL)
            let killed = try await first.waitForExit(timeoutSeconds: 5)
            #expect(killed == .init(status: SIGKILL, bySignal: true))

            // Second connection, once mutstream has noticed and reopened. SRT refuses a caller
            // until the listener is back, so a refused push is retried.
            try await Task.sleep(for: .seconds(Self.reopenAfterSeconds))
            let secondSeconds = 4.0
            let second = try await pushUntilAccepted(live, SourceMedia(seconds: secondSeconds, toneHz: 880), in: workspace)
            #expect(second.termination == .success, "second push: \(second.termination)\n\(second.standardError)")

            try await Task.sleep(for: .seconds(1))
            mutstream.send(SIGINT)
            let ended = try await mutstream.waitForExit(timeoutSeconds: 20)
            try #require(ended == .success, "mutstream after SIGINT: \(ended)\n\(mutstream.standardError)")

            let ladder = try LadderOutput(directory: output, profile: profile)
            try await ladder.expectComplete(in: workspace)
            expectOneRestart(in: ladder, before: 3, afterAtLeast: secondSeconds - 1.25, atMost: secondSeconds + 0.25,
                             log: mutstream.standardError)
        }

        /// The same, made deterministic at the worst moment: the first push ends exactly at a
        /// part boundary (78 frames at 24 fps = 3 segments + 1 part of 0.25 s; flv1's decoder
        /// holds no frames back, so every frame pushed is placed), then a second push of 2 s.
        @Test("a source lost right at a part boundary: the interrupted segment closes and the next follows a discontinuity")
        func sourceLostAtAPartBoundary() async throws {
            let workspace = try Workspace("part-boundary")
            defer { workspace.remove() }
            let (profileURL, profile) = try TestProfiles.small(.vp9, in: workspace)
            #expect(profile.frameRate == 24 && profile.partSeconds == 0.25 && profile.segmentSeconds == 1)
            let live = try LiveInput(.rtmp)
            let output = workspace.file("out")

            let mutstream = try Mutstream.startTranscode(profile: profileURL, input: live.listenURL, output: output, in: workspace)
            defer { mutstream.killIfRunning() }
            try await Ports.waitUntilListening(live.port, live.transport)

            let clip = SourceMedia(framesPerSecond: 24, videoEncoder: "flv1")
            var firstClip = clip, secondClip = clip
            firstClip.frameCount = 78
            secondClip.frameCount = 48
            secondClip.seconds = 2
            let first = try live.startPush(firstClip, in: workspace)
            defer { first.killIfRunning() }
            #expect(try await first.waitForExit(timeoutSeconds: 30) == .success, "first push: \(first.standardError)")

            // RTMP closes its listening socket on accept: listening again means reopened.
            try await Ports.waitUntilListening(live.port, live.transport)
            let second = try await pushUntilAccepted(live, secondClip, in: workspace)
            #expect(second.termination == .success, "second push: \(second.termination)\n\(second.standardError)")
            try await Task.sleep(for: .seconds(1))
            mutstream.send(SIGINT)
            let ended = try await mutstream.waitForExit(timeoutSeconds: 20)
            try #require(ended == .success, "mutstream after SIGINT: \(ended)\n\(mutstream.standardError)")

            let ladder = try LadderOutput(directory: output, profile: profile)
            try await ladder.expectComplete(in: workspace)
            expectOneRestart(in: ladder, before: 3, afterAtLeast: 1.75, atMost: 2.05, log: mutstream.standardError)
            for name in ladder.videoNames {
                let playlist = ladder.playlist(name)
                guard let restart = playlist.discontinuityIndices.first, restart > 0 else { continue }
                // Every frame of the first push, and its last segment is the one part it got.
                let before = playlist.segments[..<restart].reduce(0) { $0 + $1.durationSeconds }
                #expect(abs(before - 3.25) <= 0.05, "\(name): \(before) s before the restart of a 3.25-s push")
                #expect(abs(playlist.segments[restart - 1].durationSeconds - 0.25) <= 0.05,
                        "\(name): the interrupted segment lasts \(playlist.segments[restart - 1].durationSeconds) s, it got one 0.25-s part")
            }
        }

        /// Exactly one discontinuity in every rendition, at least `before` segments ahead of
        /// it, and after it between `afterAtLeast` and `atMost` seconds in at least two segments.
        private func expectOneRestart(in ladder: LadderOutput, before: Int, afterAtLeast: Double, atMost: Double, log: String) {
            for name in ladder.renditionNames {
                let playlist = ladder.playlist(name)
                #expect(playlist.discontinuityIndices.count == 1,
                        "\(name): discontinuities before segments \(playlist.discontinuityIndices), expected exactly one; mutstream said:\n\(log)")
                guard let restart = playlist.discontinuityIndices.first else { continue }
                #expect(restart >= before, "\(name): only \(restart) segments before the restart")
                let after = playlist.segments[restart...].reduce(0) { $0 + $1.durationSeconds }
                #expect(after >= afterAtLeast && after <= atMost, "\(name): \(after) s after the restart, expected \(afterAtLeast)…\(atMost) s")
                #expect(playlist.segments.count - restart >= 2, "\(name): \(playlist.segments.count - restart) segments after the restart")
            }
        }

        /// Pushes `media` to `live`; a push the listener refuses (it fails before it could have
        /// sent the clip) is retried for up to 20 s.
        private func pushUntilAccepted(_ live: LiveInput, _ media: SourceMedia, in workspace: Workspace) async throws -> CompletedRun {
            try await media.pushUntilAccepted(to: live.push.url, format: live.push.format, in: workspace)
        }
    }
}
