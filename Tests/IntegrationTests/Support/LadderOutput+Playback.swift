import Foundation
import Testing

extension LadderOutput {
    /// `ffmpeg -v warning -i master.m3u8 -map 0 -f null -` reads every variant and the audio
    /// to the end: exit 0 and not one warning.
    func expectPlaysToTheEnd(in workspace: Workspace) async throws {
        let run = try await CompletedRun.run(
            try Paths.tool("ffmpeg"),
            ["-nostdin", "-v", "warning", "-i", directory.appendingPathComponent("master.m3u8").path, "-map", "0", "-f", "null", "-"],
            label: "ffmpeg-play", in: workspace, timeoutSeconds: 120)
        #expect(run.termination == .success, "ffmpeg playing master.m3u8: \(run.termination)\n\(run.standardError)")
        #expect(run.standardError.isEmpty, "ffmpeg playing master.m3u8 warned:\n\(run.standardError)")
    }
}
