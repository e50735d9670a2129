import Foundation

/// The real source: the ffmpeg CLI making test media (libavfilter's test pattern and a tone,
/// H.264 + AAC, a keyframe every half second) into files or pushing it to a live input.
struct SourceMedia {
    var width = 320
    var height = 240
    var framesPerSecond = 30
    var seconds: Double = 4
    var toneHz = 440
    /// The ffmpeg video encoder: libx264 (ultrafast), or flv1 (Sorenson H.263, for RTMP)
    /// whose decoder has no frame delay, so every frame pushed is a frame placed.
    var videoEncoder = "libx264"
    /// Stop after exactly this many video frames instead of `seconds`.
    var frameCount: Int?

    /// ffmpeg arguments for the synthetic input and its encoding, without the output.
    var encodingArguments: [String] {
        [
            "-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=\(framesPerSecond)",
            "-f", "lavfi", "-i", "sine=frequency=\(toneHz):sample_rate=48000",
        ]
            + (frameCount.map { ["-frames:v", "\($0)"] } ?? ["-t", "\(seconds)"])
            + ["-c:v", videoEncoder] + (videoEncoder == "libx264" ? ["-preset", "ultrafast"] : [])
            + ["-pix_fmt", "yuv420p", "-g", "\(max(1, framesPerSecond / 2))", "-c:a", "aac", "-b:a", "64k", "-ac", "2"]
    }

    /// Writes the clip to `url` in `format` (mp4, mpegts, …).
    func write(to url: URL, format: String, in workspace: Workspace) async throws {
        let run = try await CompletedRun.run(
            try Paths.tool("ffmpeg"),
            ["-nostdin", "-v", "error", "-y"] + encodingArguments + ["-f", format, url.path],
            label: "ffmpeg-make", in: workspace)
        guard run.termination == .success else {
            throw SetupError("ffmpeg could not make \(url.lastPathComponent) (\(run.termination)): \(run.standardError)")
        }
    }

    /// Starts ffmpeg pushing the clip in real time (`-re`) to `url` as `format`.
    func push(to url: String, format: String, in workspace: Workspace) throws -> ChildProcess {
        try ChildProcess(
            try Paths.tool("ffmpeg"),
            ["-nostdin", "-v", "warning", "-re"] + encodingArguments + ["-f", format, url],
            label: "ffmpeg-push", logDirectory: workspace.url)
    }

    /// Pushes the clip to `url` to its end; a push the listener refuses (it fails before it
    /// could have sent the clip) is retried for up to `retrySeconds`.
    func pushUntilAccepted(to url: String, format: String, in workspace: Workspace,
                           retrySeconds: Double = 20) async throws -> CompletedRun {
        let deadline = Date().addingTimeInterval(retrySeconds)
        while true {
            let started = Date()
            let pusher = try push(to: url, format: format, in: workspace)
            defer { pusher.killIfRunning() }
            let termination = try await pusher.waitForExit(timeoutSeconds: seconds + 20)
            let run = CompletedRun(termination: termination, standardOutput: pusher.standardOutput, standardError: pusher.standardError)
            let refused = termination != .success && Date().timeIntervalSince(started) < seconds
            if !refused || Date() > deadline { return run }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
