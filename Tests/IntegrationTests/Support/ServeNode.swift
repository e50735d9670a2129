import Foundation
import Profiles
#if canImport(Glibc)
import Glibc
#endif

/// A node configuration for `mutstream serve`, written as YAML into a test's workspace.
struct NodeConfigFile {
    struct Stream {
        var name: String
        var source: String
        var profile: String
        var ingestKey: String?
    }

    var port: Int
    var profilesDirectory: URL
    var streams: [Stream]
    var maxConnections = 64
    var windowSegments = 4
    var blockingRequestTimeoutSeconds = 2.0
    var perConnectionBufferBytes = 65_536

    init(port: Int, profilesDirectory: URL, streams: [Stream]) {
        self.port = port
        self.profilesDirectory = profilesDirectory
        self.streams = streams
    }

    var yaml: String {
        var text = """
            node_id: test-edge
            listen: "127.0.0.1:\(port)"
            profiles_dir: \(profilesDirectory.path)
            streams:

            """
        for stream in streams {
            text += "  - name: \(stream.name)\n    source: \"\(stream.source)\"\n    profile: \(stream.profile)\n"
            if let key = stream.ingestKey { text += "    ingest_key: \(key)\n" }
        }
        text += """
            limits:
              max_connections: \(maxConnections)
              window_segments: \(windowSegments)
              blocking_request_timeout_seconds: \(blockingRequestTimeoutSeconds)
              per_connection_buffer_bytes: \(perConnectionBufferBytes)

            """
        return text
    }

    func write(to url: URL) throws {
        try yaml.write(to: url, atomically: true, encoding: .utf8)
    }
}

/// Light ladders for the service tests: the small VP9 profile (speed 8, 1-s segments, 0.25-s
/// parts, 24 fps) with one rung and 32 kbit/s Opus, so several nodes and pushes fit on two
/// shared cores.
enum EdgeProfiles {
    /// Writes `NAME.yaml` into `workspace` and returns the profile as mutstream loads it.
    @discardableResult
    static func write(_ name: String, in workspace: Workspace, segmentSeconds: Double = 1,
                      rungs: [Rendition] = [TestProfiles.rungs[0]]) throws -> Profile {
        var profile = try TestProfiles.small(.vp9, in: workspace).profile
        profile.name = name
        profile.segmentSeconds = segmentSeconds
        profile.video.speed = 8
        profile.video.renditions = rungs
        profile.audio?.bitrateKbps = 32
        let url = workspace.file("\(name).yaml")
        try TestProfiles.yaml(profile).write(to: url, atomically: true, encoding: .utf8)
        return try Profile.load(contentsOf: url.path)
    }
}

/// `mutstream serve --config` as a subprocess on a free loopback port. Tests `defer`
/// `killIfRunning()`.
final class ServeNode {
    let child: ChildProcess
    let port: Int
    let configURL: URL

    private init(child: ChildProcess, port: Int, configURL: URL) {
        self.child = child
        self.port = port
        self.configURL = configURL
    }

    /// Writes `config` to `node.yaml` in `workspace`, starts `serve` and waits for its
    /// `mutstream serving on port N` line (and that N is the configured port).
    static func start(_ config: NodeConfigFile, in workspace: Workspace, environment: [String: String] = [:],
                      timeoutSeconds: Double = 20) async throws -> ServeNode {
        let url = workspace.file("node.yaml")
        try config.write(to: url)
        let child = try ChildProcess(try Paths.mutstream(), ["serve", "--config", url.path], label: "mutstream-serve",
                                     logDirectory: workspace.url, environment: environment)
        let node = ServeNode(child: child, port: config.port, configURL: url)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            if let line = child.standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("mutstream serving on port ") }) {
                guard Int(line.dropFirst("mutstream serving on port ".count)) == config.port else {
                    child.killIfRunning()
                    throw SetupError("serve announced \(line), configured port \(config.port)")
                }
                return node
            }
            guard child.isRunning else {
                throw SetupError("mutstream serve ended (\(child.termination)) before serving; stderr:\n\(child.standardError.suffix(3000))")
            }
            guard Date() < deadline else {
                child.killIfRunning()
                throw SetupError("mutstream serve did not announce its port in \(timeoutSeconds) s; stderr:\n\(child.standardError.suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func killIfRunning() { child.killIfRunning() }

    var log: String { String(child.standardError.suffix(4000)) }

    func get(_ target: String, timeoutSeconds: Double = 15) async throws -> HTTPClient.Response {
        try await HTTPClient.get(port: port, target, timeoutSeconds: timeoutSeconds)
    }

    /// `/admin/v1/streams`: stream name → producing.
    func producing() async throws -> [String: Bool] {
        struct Listing: Decodable {
            struct Entry: Decodable { var name: String; var producing: Bool }
            var streams: [Entry]
        }
        let response = try await get("/admin/v1/streams")
        guard response.status == 200 else { throw SetupError("/admin/v1/streams: \(response)") }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(response.body))
        return Dictionary(listing.streams.map { ($0.name, $0.producing) }, uniquingKeysWith: { $1 })
    }

    /// Polls until `condition` holds or `timeoutSeconds` pass; returns whether it held.
    func eventually(timeoutSeconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if try await condition() { return true }
            guard child.isRunning else { throw SetupError("mutstream serve ended (\(child.termination)); stderr:\n\(log)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Waits until `stream` is producing; throws with the log if it does not in time.
    func waitUntilProducing(_ stream: String, timeoutSeconds: Double = 20) async throws {
        let producing = try await eventually(timeoutSeconds: timeoutSeconds) { try await self.producing()[stream] == true }
        if !producing { throw SetupError("stream \(stream) not producing after \(timeoutSeconds) s; stderr:\n\(log)") }
    }

    /// The live media playlist of a rendition (a 200 is required).
    func playlist(_ stream: String, _ rendition: String, query: String = "") async throws -> LivePlaylist {
        let response = try await get("/live/\(stream)/\(rendition)/index.m3u8\(query)")
        guard response.status == 200 else { throw SetupError("playlist of \(stream)/\(rendition): \(response)") }
        return LivePlaylist(response.text)
    }

    /// Waits until `rendition` of `stream` lists at least `count` complete segments.
    @discardableResult
    func waitForSegments(_ count: Int, _ stream: String, _ rendition: String, timeoutSeconds: Double = 30) async throws -> LivePlaylist {
        var last: LivePlaylist?
        let done = try await eventually(timeoutSeconds: timeoutSeconds) {
            let response = try await self.get("/live/\(stream)/\(rendition)/index.m3u8")
            guard response.status == 200 else { return false }
            last = LivePlaylist(response.text)
            return last!.segments.count >= count
        }
        guard done, let last else { throw SetupError("\(stream)/\(rendition): fewer than \(count) segments after \(timeoutSeconds) s; stderr:\n\(log)") }
        return last
    }

    /// Waits until `rendition` of `stream` has completed segment `mediaSequence` (the window
    /// may hold fewer segments than that).
    @discardableResult
    func waitForSegment(_ mediaSequence: Int, _ stream: String, _ rendition: String, timeoutSeconds: Double = 30) async throws -> LivePlaylist {
        var last: LivePlaylist?
        let done = try await eventually(timeoutSeconds: timeoutSeconds) {
            let response = try await self.get("/live/\(stream)/\(rendition)/index.m3u8")
            guard response.status == 200 else { return false }
            last = LivePlaylist(response.text)
            return (last!.lastSegment ?? -1) >= mediaSequence
        }
        guard done, let last else { throw SetupError("\(stream)/\(rendition): segment \(mediaSequence) not complete after \(timeoutSeconds) s; stderr:\n\(log)") }
        return last
    }

    /// Resident memory of the server process, from /proc.
    var residentBytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
}

/// The LL-HLS tags of a live media playlist that the service tests reason about.
struct LivePlaylist {
    struct Part { var mediaSequence: Int; var index: Int; var uri: String }

    let text: String
    var mediaSequence: Int?
    /// Complete segments' URIs (`segN.m4s`) and their sequence numbers.
    var segments: [(mediaSequence: Int, uri: String)] = []
    var parts: [Part] = []
    var preloadHint: String?
    var hasEndList = false

    init(_ text: String) {
        self.text = text
        for line in text.split(separator: "\n").map(String.init) {
            if let value = line.removingPrefix("#EXT-X-MEDIA-SEQUENCE:") {
                mediaSequence = Int(value)
            } else if let list = line.removingPrefix("#EXT-X-PART:"), let uri = MasterPlaylist.attributes(list)["URI"],
                      let position = Self.partPosition(uri) {
                parts.append(Part(mediaSequence: position.0, index: position.1, uri: uri))
            } else if let list = line.removingPrefix("#EXT-X-PRELOAD-HINT:") {
                preloadHint = MasterPlaylist.attributes(list)["URI"]
            } else if line == "#EXT-X-ENDLIST" {
                hasEndList = true
            } else if line.hasPrefix("seg"), line.hasSuffix(".m4s"), let number = Int(line.dropFirst(3).dropLast(4)) {
                segments.append((number, line))
            }
        }
    }

    /// The newest part listed: (media sequence, part index).
    var lastPart: Part? { parts.last }
    var lastSegment: Int? { segments.last?.mediaSequence }

    /// `partM.P.m4s` → (M, P).
    static func partPosition(_ uri: String) -> (Int, Int)? {
        guard uri.hasPrefix("part"), uri.hasSuffix(".m4s") else { return nil }
        let numbers = uri.dropFirst(4).dropLast(4).split(separator: ".").compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }
}

extension ChildProcess {
    /// Asks the child to stop with `signal`, waits up to `graceSeconds`, then SIGKILLs it.
    /// For nginx: SIGTERM makes the master stop its workers, where SIGKILL would orphan them,
    /// and Foundation counts a child as running until every process that inherited its
    /// descriptors has exited (so `killIfRunning` would wait for the orphans forever).
    /// Synchronous, for `defer`; never blocks longer than `graceSeconds` + 2 s.
    func terminate(_ signal: Int32 = SIGTERM, graceSeconds: Double = 5) {
        send(signal)
        var deadline = Date().addingTimeInterval(graceSeconds)
        while isRunning && Date() < deadline { usleep(20_000) }
        guard isRunning else { return }
        send(SIGKILL)
        deadline = Date().addingTimeInterval(2)
        while isRunning && Date() < deadline { usleep(20_000) }
    }
}
