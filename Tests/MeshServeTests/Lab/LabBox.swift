import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `mutstream serve` inside a lab host's namespace, listening on every address of the host.
final class LabBox: @unchecked Sendable {
    static let port = 8080

    let name: String
    let host: NetworkLab.Host
    let child: Child

    /// Writes `config` (YAML; `listen` is added) and starts the box; returns once it serves.
    init(_ name: String, on host: NetworkLab.Host, lab: NetworkLab, config: String, in scratch: Scratch) async throws {
        self.name = name
        self.host = host
        let path = scratch.path("\(name).yaml")
        try ("listen: \"0.0.0.0:\(Self.port)\"\n" + config).write(toFile: path, atomically: true, encoding: .utf8)
        let (executable, arguments) = lab.command(in: host, Binaries.mutstream, ["serve", "--config", path])
        child = try Child(executable, arguments, label: name, in: scratch)
        let deadline = Date().addingTimeInterval(20)
        while !child.standardOutput.contains("mutstream serving on port") {
            guard child.process.isRunning else { throw TestFailure("\(name) exited: \(child.standardError.suffix(2000))") }
            guard Date() < deadline else {
                child.kill()
                throw TestFailure("\(name) did not start: \(child.standardError.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// SIGKILL (the process `ip netns exec` started is mutstream itself).
    func kill() { child.kill() }

    var log: String { String(child.standardError.suffix(3000)) }

    /// Relay configuration for a stream pulled from `upstreams` (base URLs).
    /// `pullIdleSeconds` 0 pulls every rendition always (the benchmark measures whole streams).
    static func relayConfig(nodeID: String, upstreams: [String], publicKey: String, scratch: Scratch,
                            pullIdleSeconds: Double? = nil, pinnedRenditions: [String] = []) -> String {
        """
        node_id: \(nodeID)
        streams:
          - name: live
            upstreams: [\(upstreams.map { "\"\($0)\"" }.joined(separator: ", "))]
            origin_public_key: "\(publicKey)"
            pinned_renditions: [\(pinnedRenditions.joined(separator: ", "))]
        mesh:
          secret_file: \(scratch.path("mesh.secret"))
        limits: { window_segments: 4, blocking_request_timeout_seconds: 3\(pullIdleSeconds.map { ", idle_pull_seconds: \($0)" } ?? "") }

        """
    }

    /// Origin configuration: `source` (the demo by default) through `profile`, signed.
    static func originConfig(profile: String = "tiny", source: String = "demo", scratch: Scratch) -> String {
        """
        node_id: origin
        profiles_dir: \(scratch.url.path)
        streams:
          - { name: live, source: "\(source)", profile: \(profile) }
        mesh:
          secret_file: \(scratch.path("mesh.secret"))
          signing_key_file: \(scratch.path("origin.key"))
        limits: { window_segments: 4, blocking_request_timeout_seconds: 3 }

        """
    }

    static func url(_ address: String) -> String { "http://\(address):\(port)" }

    /// A stream at a realistic rate that two shared cores encode in real time next to three
    /// relays: noise (so the encoder spends its bitrate) through x264 ultrafast, two rungs,
    /// 0.5-s parts as in the shipped profiles. For the mesh benchmark.
    static let benchSource = "lavfi:testsrc2=size=640x360:rate=24,noise=alls=25:allf=t+u"

    static func writeBenchProfile(in scratch: Scratch) throws {
        try scratch.write("bench.yaml", """
            name: bench
            segment_seconds: 2
            part_seconds: 0.5
            frame_rate: 24
            video:
              codec: h264
              speed: 8
              renditions:
                - { name: 360p, width: 640, height: 360, bitrate_kbps: 1500 }
                - { name: 180p, width: 320, height: 180, bitrate_kbps: 400 }

            """)
    }
}
