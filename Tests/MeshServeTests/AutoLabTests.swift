import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 6 live: a player on a link whose rate steps 6 → 1.2 → 3.5 Mbit/s pulls the `auto`
/// playlist from a real `mutstream serve` in another namespace. The box must step the player
/// down within 2 segments of the drop and up within 5 of the rise, and the player must never
/// stall for longer than a part. Then the real ffmpeg plays the playlist across a switch.
@Suite("Auto playlist on a shaped link", .serialized, .enabled(if: NetworkLab.isAvailable))
struct AutoLabTests {
    /// Rates of the three phases, kbit/s, as tbf shapes what the box sends.
    static let fastKbps = 6_000, slowKbps = 1_200, middleKbps = 3_500
    static let partSeconds = 0.5
    /// Renditions whose real bit rate fits the slow phase.
    static let fitsSlow: Set<String> = ["mid", "low"]
    static let ladder = ["low", "mid", "hi"]

    @Test("6 → 1.2 → 3.5 Mbit/s: down within 2 segments, up within 5, no stall over a part; ffmpeg plays across a switch")
    func followsTheLink() async throws {
        let scratch = try Scratch("autolab")
        defer { scratch.remove() }
        try Self.writeNoisyLadder(in: scratch)
        let lab = try NetworkLab()
        defer { lab.tearDown() }
        let serverHost = try lab.addHost("server"), playerHost = try lab.addHost("player")
        let link = try lab.link(serverHost, playerHost)
        try lab.shape(link, from: serverHost, kbitPerSecond: Self.fastKbps)
        let box = try await LabBox("server", on: serverHost, lab: lab, config: """
            node_id: autolab
            profiles_dir: \(scratch.url.path)
            streams:
              - name: live
                # Temporal noise keeps x264 at its target rate (a plain test pattern encodes far below it).
                source: "lavfi:testsrc2=size=640x360:rate=24,noise=alls=24:allf=t"
                profile: autolab
            limits: { window_segments: 8, blocking_request_timeout_seconds: 3 }

            """, in: scratch)
        defer { box.kill() }
        let address = link.address(of: serverHost)
        try await Self.waitForSegments(3, lab: lab, host: playerHost, address: address, box: box)

        // The player, on its own thread inside the player's namespace.
        let log = PlayerLog()
        let player = PlayoutPlayer(host: address, port: LabBox.port, stream: "live", sessionID: "lab-player-1",
                                   startupParts: 4, bitratesKbps: ["hi": 2000, "mid": 900, "low": 400])
        let playing = Task { try await lab.perform(in: playerHost) { player.run(log: log, maxSeconds: 45) } }
        defer { log.stop() }

        // 6 Mbit/s until the player has had two whole segments of the top rendition.
        try await Self.wait(log, box: box, seconds: 20, "two segments of hi at \(Self.fastKbps) kbit/s") { state in
            let top = state.fetches.filter { $0.part.rendition == "hi" }
            return Set(top.map(\.part.mediaSequence)).count >= 3 && state.fetches.last?.part.rendition == "hi"
        }
        let drop = try #require(log.newest)
        try lab.shape(link, from: serverHost, kbitPerSecond: Self.slowKbps)
        let dropAt = log.now()

        try await Self.wait(log, box: box, seconds: 20, "7 segments after the drop") { state in
            (state.fetches.last?.part.mediaSequence ?? 0) >= drop.part.mediaSequence + 7
        }
        let rise = try #require(log.newest)
        try lab.shape(link, from: serverHost, kbitPerSecond: Self.middleKbps)
        let riseAt = log.now()

        try await Self.wait(log, box: box, seconds: 20, "7 segments after the rise") { state in
            (state.fetches.last?.part.mediaSequence ?? 0) >= rise.part.mediaSequence + 7
        }
        log.stop()
        try await playing.value
        let state = log.snapshot
        let timeline = RenditionTimeline(state.fetches)
        let summary = Self.summary(state, timeline: timeline, drop: drop, dropAt: dropAt, rise: rise, riseAt: riseAt)
        print(summary)

        #expect(state.notes.isEmpty, "requests that failed: \(state.notes.prefix(10))\n\(summary)")
        #expect(timeline.mixed.isEmpty, "segments whose parts came from two renditions: \(timeline.mixed)")
        // The ladder makes the steps meaningful only if its real rates straddle the slow link.
        let hiKbps = try #require(timeline.measuredKbps("hi")), midKbps = timeline.measuredKbps("mid")
        #expect(hiKbps > Double(Self.slowKbps) * 1.4, "hi must not fit \(Self.slowKbps) kbit/s: \(summary)")
        if let midKbps { #expect(midKbps < Double(Self.slowKbps) * 0.9, "mid must fit \(Self.slowKbps) kbit/s: \(summary)") }

        // Down: the segment in flight at the drop and the next may still be hi (chosen before
        // the drop showed); from the second segment on, the rendition fits the slow link.
        let down = timeline.first(after: drop.part.mediaSequence) { Self.fitsSlow.contains($0) }
        let downSegments = down.map { $0 - drop.part.mediaSequence }
        #expect(downSegments.map { $0 <= 2 } == true, "step down \(downSegments.map(String.init) ?? "never") segments after the drop\n\(summary)")
        if let down {
            let bounced = timeline.violations(from: down, through: rise.part.mediaSequence) { Self.fitsSlow.contains($0) }
            #expect(bounced.isEmpty, "back above the slow link at \(bounced) before the rise\n\(summary)")
        }

        // Up: within 5 segments of the rise, above the rendition played at the rise.
        let level = Self.ladder.firstIndex(of: rise.part.rendition) ?? 0
        let up = timeline.first(after: rise.part.mediaSequence) { (Self.ladder.firstIndex(of: $0) ?? 0) > level }
        let upSegments = up.map { $0 - rise.part.mediaSequence }
        #expect(upSegments.map { $0 <= 5 } == true, "step up \(upSegments.map(String.init) ?? "never") segments after the rise\n\(summary)")

        // No stall longer than a part once playback has started.
        let longest = state.stalls.map(\.seconds).max() ?? 0
        #expect(state.playbackStartedAt != nil, "playback never started\n\(summary)")
        #expect(longest <= Self.partSeconds, "stalls \(state.stalls)\n\(summary)")

        try await Self.ffmpegPlaysAcrossASwitch(lab: lab, link: link, serverHost: serverHost, playerHost: playerHost,
                                                box: box, scratch: scratch)
    }

    /// ffmpeg plays the `auto` playlist for 10 s from the player's namespace; 3 s in, the link
    /// drops to the slow rate, so its session switches down while it plays.
    private static func ffmpegPlaysAcrossASwitch(
        lab: NetworkLab, link: NetworkLab.Link, serverHost: NetworkLab.Host, playerHost: NetworkLab.Host, box: LabBox,
        scratch: Scratch
    ) async throws {
        try lab.shape(link, from: serverHost, kbitPerSecond: middleKbps)
        let url = LabBox.url(link.address(of: serverHost)) + "/live/live/auto/index.m3u8"
        let (executable, arguments) = lab.command(in: playerHost, "/usr/bin/ffmpeg", [
            "-hide_banner", "-nostdin", "-v", "error", "-i", url, "-t", "10", "-f", "null", "-"])
        let ffmpeg = try Child(executable, arguments, label: "ffmpeg-auto", in: scratch)
        defer { ffmpeg.kill() }
        try await Task.sleep(for: .seconds(3))
        try lab.shape(link, from: serverHost, kbitPerSecond: slowKbps)
        let deadline = Date().addingTimeInterval(40)
        while ffmpeg.process.isRunning {
            guard Date() < deadline else { throw TestFailure("ffmpeg did not finish in 40 s: \(ffmpeg.standardError.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ffmpeg.process.terminationStatus == 0, "ffmpeg exit \(ffmpeg.process.terminationStatus): \(ffmpeg.standardError.suffix(2000))")
        #expect(ffmpeg.standardError.isEmpty, "ffmpeg reported errors:\n\(ffmpeg.standardError.suffix(3000))")

        // ffmpeg's session (matched by its address and User-Agent) must have switched.
        let body = try await lab.perform(in: serverHost) {
            try TestHTTP.get(host: "127.0.0.1", LabBox.port, "/admin/v1/sessions").body
        }
        let sessions = (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["sessions"] as? [[String: Any]] ?? []
        let ffmpegSession = sessions.first { ($0["matched_by"] as? String) == "peer" }
        let switches = ffmpegSession?["switches"] as? [String: Int]
        print("ffmpeg session: \(ffmpegSession.map { "\($0)" } ?? "none")")
        #expect((switches?["down"] ?? 0) + (switches?["up"] ?? 0) > 0,
                "ffmpeg's session never switched: \(String(decoding: body, as: UTF8.self))")
    }

    /// Three rungs of x264 whose real rates straddle the slow link: 2, 0.9 and 0.4 Mbit/s;
    /// 1-s segments of two 0.5-s parts, video only.
    private static func writeNoisyLadder(in scratch: Scratch) throws {
        try scratch.write("autolab.yaml", """
            name: autolab
            segment_seconds: 1
            part_seconds: \(partSeconds)
            frame_rate: 24
            video:
              codec: h264
              speed: 8
              renditions:
                - { name: hi, width: 640, height: 360, bitrate_kbps: 2000 }
                - { name: mid, width: 426, height: 240, bitrate_kbps: 900 }
                - { name: low, width: 256, height: 144, bitrate_kbps: 400 }

            """)
    }

    private static func waitForSegments(_ count: Int, lab: NetworkLab, host: NetworkLab.Host, address: String, box: LabBox) async throws {
        let deadline = Date().addingTimeInterval(30)
        while true {
            let listed = try await lab.perform(in: host) { () -> Int in
                guard let response = try? TestHTTP.get(host: address, LabBox.port, "/live/live/hi/index.m3u8", timeoutSeconds: 3),
                      response.status == 200 else { return 0 }
                return String(decoding: response.body, as: UTF8.self).components(separatedBy: "#EXTINF").count - 1
            }
            if listed >= count { return }
            guard Date() < deadline else { throw TestFailure("\(listed) segments after 30 s:\n\(box.log)") }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    private static func wait(
        _ log: PlayerLog, box: LabBox, seconds: Double, _ what: String, until condition: (PlayerLog.State) -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let state = log.snapshot
            if condition(state) { return }
            guard Date() < deadline, !state.finished else {
                throw TestFailure("no \(what) in \(seconds) s: \(RenditionTimeline(state.fetches))\nnotes: \(state.notes.prefix(10))\n\(box.log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// One line per fact the report needs: timeline, steps in segments and seconds, stalls, rates.
    private static func summary(
        _ state: PlayerLog.State, timeline: RenditionTimeline, drop: PlayerLog.Fetch, dropAt: Double,
        rise: PlayerLog.Fetch, riseAt: Double
    ) -> String {
        func firstFetch(after msn: Int, _ condition: (String) -> Bool) -> PlayerLog.Fetch? {
            state.fetches.first { $0.part.mediaSequence > msn && condition($0.part.rendition) }
        }
        let down = firstFetch(after: drop.part.mediaSequence) { fitsSlow.contains($0) }
        let level = ladder.firstIndex(of: rise.part.rendition) ?? 0
        let up = firstFetch(after: rise.part.mediaSequence) { (ladder.firstIndex(of: $0) ?? 0) > level }
        let rates = ladder.reversed().map { name in
            "\(name) \(timeline.measuredKbps(name).map { String(format: "%.0f", $0) } ?? "-") kbit/s"
        }
        let minimumBuffer = state.fetches.filter { $0.arrivedAt > (state.playbackStartedAt ?? .infinity) }.map(\.bufferSeconds).min()
        return """
            auto lab: segments \(timeline)
              drop to \(slowKbps) at \(String(format: "%.2f", dropAt)) s in segment \(drop.part.mediaSequence) (\(drop.part.rendition)); \
            first fitting part \(down.map { "\($0.part.position) \($0.part.rendition) at +\(String(format: "%.2f", $0.arrivedAt - dropAt)) s" } ?? "none")
              rise to \(middleKbps) at \(String(format: "%.2f", riseAt)) s in segment \(rise.part.mediaSequence) (\(rise.part.rendition)); \
            first higher part \(up.map { "\($0.part.position) \($0.part.rendition) at +\(String(format: "%.2f", $0.arrivedAt - riseAt)) s" } ?? "none")
              playback from \(state.playbackStartedAt.map { String(format: "%.2f", $0) } ?? "never") s; \
            stalls \(state.stalls); lowest buffer \(minimumBuffer.map { String(format: "%.2f", $0) } ?? "-") s
              delivered rates: \(rates.joined(separator: ", "))
            """
    }
}
