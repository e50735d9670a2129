import Foundation

/// `mutstream transcode` as a subprocess.
enum Mutstream {
    /// Starts `mutstream transcode --quiet` with the given profile, input and output folder.
    static func startTranscode(profile: URL, input: String, output: URL, extraArguments: [String] = [],
                               in workspace: Workspace) throws -> ChildProcess {
        try ChildProcess(
            try Paths.mutstream(),
            ["transcode", "--profile", profile.path, "--input", input, "--output", output.path, "--quiet"] + extraArguments,
            label: "mutstream", logDirectory: workspace.url)
    }

    /// Runs `mutstream transcode` on a file or finite source to its end.
    static func transcode(profile: URL, input: String, output: URL, extraArguments: [String] = [],
                          in workspace: Workspace, timeoutSeconds: Double = 90) async throws -> CompletedRun {
        let child = try startTranscode(profile: profile, input: input, output: output,
                                       extraArguments: extraArguments, in: workspace)
        defer { child.killIfRunning() }
        let termination = try await child.waitForExit(timeoutSeconds: timeoutSeconds)
        return CompletedRun(termination: termination, standardOutput: child.standardOutput, standardError: child.standardError)
    }

    /// Waits until `rendition`'s media playlist in `output` lists at least `count` segments.
    static func waitForSegments(_ count: Int, rendition: String, in output: URL, while child: ChildProcess,
                                timeoutSeconds: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        let playlist = output.appendingPathComponent(rendition).appendingPathComponent("index.m3u8")
        while true {
            let text = (try? String(contentsOf: playlist, encoding: .utf8)) ?? ""
            if text.components(separatedBy: "#EXTINF:").count - 1 >= count { return }
            guard child.isRunning else {
                throw SetupError("mutstream ended (\(child.termination)) before \(rendition) had \(count) segments; stderr:\n\(child.standardError)")
            }
            guard Date() < deadline else {
                throw SetupError("\(rendition) has fewer than \(count) segments after \(timeoutSeconds) s; stderr:\n\(child.standardError)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
