import Foundation
import Profiles
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EdgeServiceTests {
    @Suite("Lifecycle: reload, shutdown, systemd unit")
    struct LifecycleTests {
        /// Two demo streams; stream b's profile is switched (320x180 ↔ 256x144) by SIGHUP, then
        /// by POST /admin/v1/reload; then an invalid configuration is offered both ways.
        @Test("reload: only the changed stream restarts (SIGHUP and POST /admin/v1/reload); an invalid config is refused, the old one serves")
        func reload() async throws {
            let streams: [NodeConfigFile.Stream] = [
                .init(name: "a", source: "demo", profile: "small"),
                .init(name: "b", source: "demo", profile: "b-large"),
            ]
            var config: NodeConfigFile?
            let (workspace, node) = try await EdgeServiceTests.startNode("reload", streams: streams) { config = $0 } prepare: { workspace in
                try EdgeProfiles.write("b-large", in: workspace, rungs: [Rendition(name: "v", width: 320, height: 180, bitrateKbps: 300)])
                try EdgeProfiles.write("b-small", in: workspace, rungs: [Rendition(name: "v", width: 256, height: 144, bitrateKbps: 200)])
            }
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            var nodeConfig = try #require(config)
            // Far enough in that a restart (numbering from 0 again) cannot be mistaken for progress.
            try await node.waitForSegment(5, "a", "r180")
            try await node.waitForSegment(5, "b", "v")
            let aInit = try await node.get("/live/a/r180/init.mp4").body

            /// Switches b's profile, runs `trigger`, and checks b restarted and a did not.
            func switchB(to profile: String, resolution: String, trigger: () async throws -> Void) async throws {
                let bBefore = try await node.waitForSegment(4, "b", "v")
                let aBefore = try await node.playlist("a", "r180")
                nodeConfig.streams[1].profile = profile
                try nodeConfig.write(to: node.configURL)
                try await trigger()
                let restarted = try await node.eventually(timeoutSeconds: 15) {
                    let master = try await node.get("/live/b/master.m3u8").text
                    return master.contains("RESOLUTION=\(resolution)")
                }
                #expect(restarted, "b's master never showed \(resolution):\n\(node.log)")
                // b starts over: its sequence numbers restart below where they were.
                let bAfter = try await node.waitForSegments(1, "b", "v", timeoutSeconds: 15)
                #expect((bAfter.lastSegment ?? .max) < (bBefore.lastSegment ?? 0),
                        "b did not restart its media sequence: \(bBefore.lastSegment ?? -1) then \(bAfter.lastSegment ?? -1)")
                // a goes on: same init section, sequence numbers only grow.
                let aAfter = try await node.playlist("a", "r180")
                #expect((aAfter.lastSegment ?? -1) > (aBefore.lastSegment ?? .max),
                        "a's playlist did not keep growing across the reload: \(aBefore.lastSegment ?? -1) then \(aAfter.lastSegment ?? -1)")
                #expect((aAfter.mediaSequence ?? -1) >= (aBefore.mediaSequence ?? .max), "a's media sequence went back")
                #expect(!aAfter.text.contains("#EXT-X-DISCONTINUITY"), "a has a discontinuity:\n\(aAfter.text)")
                #expect(try await node.get("/live/a/r180/init.mp4").body == aInit, "a's init section changed")
            }

            try await switchB(to: "b-small", resolution: "256x144") { node.child.send(SIGHUP) }

            try await switchB(to: "b-large", resolution: "320x180") {
                let response = try await HTTPClient.request(port: node.port, "/admin/v1/reload", method: "POST", timeoutSeconds: 20)
                #expect(response.status == 200, "POST /admin/v1/reload: \(response)")
                #expect(response.text.contains("\"restarted\":[\"b\"]") && response.text.contains("\"unchanged\":[\"a\"]"),
                        "reload summary: \(response.text)")
            }

            // An invalid configuration: refused with the reason, the running one stays.
            var invalid = nodeConfig
            invalid.streams[1].profile = "no-such-profile"
            invalid.windowSegments = 1
            try invalid.write(to: node.configURL)
            let aBefore = try await node.playlist("a", "r180")
            let refused = try await HTTPClient.request(port: node.port, "/admin/v1/reload", method: "POST", timeoutSeconds: 20)
            #expect(refused.status == 400, "POST /admin/v1/reload with an invalid config: \(refused)")
            #expect(refused.text.contains("streams[1].profile") && refused.text.contains("limits.window_segments"),
                    "the refusal does not name the bad fields: \(refused.text)")
            node.child.send(SIGHUP)
            try await Task.sleep(for: .seconds(2))
            #expect(node.child.isRunning, "mutstream ended on SIGHUP with an invalid config: \(node.log)")
            #expect(try await node.get("/live/b/master.m3u8").text.contains("RESOLUTION=320x180"), "b changed after a refused reload")
            let aAfter = try await node.playlist("a", "r180")
            let bAfter = try await node.playlist("b", "v")
            #expect((aAfter.lastSegment ?? -1) > (aBefore.lastSegment ?? .max), "a stopped growing after a refused reload")
            #expect(!bAfter.segments.isEmpty, "b stopped serving after a refused reload")
        }

        /// 4-s segments: a blocking reload for the next segment is in flight when SIGTERM
        /// arrives. The drain finishes the open segment, ends the playlist, answers the
        /// request, and exits 0.
        @Test("SIGTERM: exit 0 within 10 s; a blocking request in flight is answered with the finished playlist")
        func gracefulShutdown() async throws {
            let streams: [NodeConfigFile.Stream] = [.init(name: "demo", source: "demo", profile: "long")]
            let (workspace, node) = try await EdgeServiceTests.startNode("sigterm", streams: streams) { config in
                config.blockingRequestTimeoutSeconds = 8
            } prepare: { workspace in
                try EdgeProfiles.write("long", in: workspace, segmentSeconds: 4)
            }
            defer { workspace.remove() }
            defer { node.killIfRunning() }
            try await node.waitUntilProducing("demo")
            let playlist = try await node.playlist("demo", "r180")
            let last = try #require(playlist.lastPart)

            let port = node.port
            async let inFlight = HTTPClient.get(port: port, "/live/demo/r180/index.m3u8?_HLS_msn=\(last.mediaSequence + 1)", timeoutSeconds: 15)
            try await Task.sleep(for: .milliseconds(300))
            let signalled = Date()
            node.child.send(SIGTERM)
            let answer = try await inFlight
            let ended = try await node.child.waitForExit(timeoutSeconds: 15)
            let took = Date().timeIntervalSince(signalled)
            #expect(ended == .success, "mutstream after SIGTERM: \(ended)\n\(node.log)")
            #expect(took <= 10, "SIGTERM to exit took \(took) s")
            #expect(answer.status == 200, "the blocking request in flight: \(answer)")
            let finished = LivePlaylist(answer.text)
            #expect(finished.hasEndList, "the drained playlist has no ENDLIST:\n\(answer.text)")
            #expect(finished.lastPart.map { $0.mediaSequence } == finished.lastSegment,
                    "the last segment is not complete (parts after the last EXTINF):\n\(answer.text)")
        }

        @Test("systemd: the unit verifies cleanly and its exposure level is at most 2.5")
        func systemdUnit() async throws {
            let workspace = try Workspace("systemd")
            defer { workspace.remove() }
            let shipped = try String(contentsOf: Paths.repositoryRoot.appendingPathComponent("Systemd/mutstream.service"), encoding: .utf8)
            let binary = try Paths.mutstream().path
            #expect(shipped.contains("ExecStart=/usr/local/bin/mutstream serve"), "ExecStart of the shipped unit changed")
            let unit = workspace.file("mutstream.service")
            try shipped.replacingOccurrences(of: "ExecStart=/usr/local/bin/mutstream", with: "ExecStart=\(binary)")
                .write(to: unit, atomically: true, encoding: .utf8)

            let verify = try await CompletedRun.run(try Paths.tool("systemd-analyze"), ["verify", unit.path], label: "systemd-verify", in: workspace)
            #expect(verify.termination == .success, "systemd-analyze verify: \(verify.termination)\n\(verify.standardError)")
            #expect((verify.standardOutput + verify.standardError).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                    "systemd-analyze verify findings:\n\(verify.standardOutput)\(verify.standardError)")

            let security = try await CompletedRun.run(try Paths.tool("systemd-analyze"), ["security", "--offline=yes", unit.path],
                                                      label: "systemd-security", in: workspace)
            #expect(security.termination == .success, "systemd-analyze security: \(security.termination)\n\(security.standardError)")
            let match = security.standardOutput.firstMatch(of: #/Overall exposure level for [^:]+: ([0-9]+\.[0-9]+)/#)
            let exposure = try #require(match.flatMap { Double($0.1) }, "no exposure level in:\n\(security.standardOutput.suffix(500))")
            #expect(exposure <= 2.5, "exposure level \(exposure)")
        }
    }
}
