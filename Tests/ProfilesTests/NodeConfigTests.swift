import Foundation
import Profiles
import Testing

@Suite("Node configuration")
struct NodeConfigTests {
    static let profiles = Fixtures.shippedProfilesDirectory

    /// Parses `yaml` as if it were a file in the repository root, bare profile names
    /// resolving in the shipped Profiles/.
    static func parse(_ yaml: String) throws -> NodeConfig {
        try NodeConfig.parse(yaml: yaml, file: "node.yaml", baseDirectory: Fixtures.repositoryRoot,
                             profilesDirectory: profiles)
    }

    static func problems(_ yaml: String) -> [ProfileError] {
        do {
            _ = try parse(yaml)
            return []
        } catch let errors as ProfileErrors {
            return errors.problems
        } catch {
            Issue.record("unexpected error type: \(error)")
            return []
        }
    }

    @Test func anEmptyMappingIsAllDefaults() throws {
        let config = try Self.parse("{}")
        #expect(config.nodeID == "edge-1")
        #expect(config.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(config.streams.isEmpty)
        #expect(config.mesh == MeshConfig())
        #expect(config.limits == NodeLimits(maxConnections: 1024, windowSegments: 6, blockingRequestTimeoutSeconds: 3,
                                            perConnectionBufferBytes: 1_048_576, idlePullSeconds: 30))
    }

    @Test func streamsAreReadWithTheirProfiles() throws {
        let config = try Self.parse("""
            node_id: edge-7.lab
            listen: "[::1]:9090"
            streams:
              - { name: demo, source: demo, profile: default }
              - name: push
                source: srt://0.0.0.0:9000?mode=listener
                profile: Profiles/h264.yaml
                ingest_key: s3cret
              - name: relay
                upstreams: [https://a.example:8080, http://10.0.0.2:8080]
                origin_public_key: abc
                pinned_renditions: [720p, audio]
            mesh:
              seed_peers: [https://a.example:8080]
              secret_file: keys/mesh.key
            limits: { window_segments: 10, blocking_request_timeout_seconds: 1.5 }
            """)
        #expect(config.nodeID == "edge-7.lab")
        #expect(config.listen == ListenAddress(host: "::1", port: 9090))
        #expect(config.listen.description == "[::1]:9090")
        #expect(config.streams.map(\.name) == ["demo", "push", "relay"])
        #expect(config.streams[0].input == .demo)
        #expect(config.streams[0].profile?.name == "default")
        #expect(config.streams[0].profilePath == Self.profiles + "/default.yaml")
        #expect(config.streams[1].input == .url("srt://0.0.0.0:9000?mode=listener"))
        #expect(config.streams[1].profile?.video.codec == .h264)
        #expect(config.streams[1].ingestKey == "s3cret")
        #expect(config.streams[2].input == .upstreams(["https://a.example:8080", "http://10.0.0.2:8080"]))
        #expect(config.streams[2].isRelayed)
        #expect(config.streams[2].profile == nil)
        #expect(config.streams[2].originPublicKey == "abc")
        #expect(config.streams[2].pinnedRenditions == ["720p", "audio"])
        #expect(config.streams[1].pinnedRenditions.isEmpty)
        #expect(config.mesh.secretFile == Fixtures.repositoryRoot + "/keys/mesh.key")
        #expect(config.limits.windowSegments == 10)
        #expect(config.limits.blockingRequestTimeoutSeconds == 1.5)
        #expect(config.limits.maxConnections == 1024)
    }

    /// README's Inputs list `demo:WxH@FPS` and `lavfi:GRAPH` for `source:`; neither is a file.
    @Test func generatedSourcesAreNotFilePaths() throws {
        let config = try Self.parse("""
            streams:
              - { name: a, source: "demo:640x360@24", profile: default }
              - { name: b, source: "lavfi:testsrc2=size=320x180:rate=24,noise=alls=20:allf=t", profile: default }
            """)
        #expect(config.streams[0].input == .generated("demo:640x360@24"))
        #expect(config.streams[1].input == .generated("lavfi:testsrc2=size=320x180:rate=24,noise=alls=20:allf=t"))
    }

    @Test func relativePathsResolveAgainstTheConfigFile() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/ladders", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.profiles + "/vp8-low-power.yaml",
                                         toPath: directory + "/ladders/small.yaml")
        try Data().write(to: URL(fileURLWithPath: directory + "/clip.ts"))
        try """
            profiles_dir: ladders
            streams:
              - { name: a, source: clip.ts, profile: small }
              - { name: b, source: demo, profile: ./ladders/small.yaml }
            """.write(toFile: directory + "/node.yaml", atomically: true, encoding: .utf8)

        let config = try NodeConfig.load(contentsOf: directory + "/node.yaml")
        let resolved = URL(fileURLWithPath: directory).standardizedFileURL.path
        #expect(config.profilesDirectory == resolved + "/ladders")
        #expect(config.streams[0].input == .file(resolved + "/clip.ts"))
        #expect(config.streams[0].profilePath == resolved + "/ladders/small.yaml")
        #expect(config.streams[1].profile?.name == "vp8-low-power")
    }

    @Test(arguments: [
        ("streams: [{ name: a, source: demo, profile: default }, { name: a, source: demo, profile: default }]",
         "streams[1].name", "duplicate stream name \"a\" (also streams[0].name)"),
        ("listen: 8080", "listen", "must be host:port"),
        ("listen: \"0.0.0.0:99999\"", "listen", "must be host:port"),
        ("listne: 0.0.0.0:8080", "listne", "did you mean 'listen'?"),
        ("node_id: \"edge 1\"", "node_id", "letters, digits"),
        ("streams: [{ name: a, source: demo, profile: default }, { name: b, source: str://0.0.0.0:9000, profile: default }]",
         "streams[1].source", "unsupported source scheme \"str\" (did you mean 'srt'?)"),
        ("streams: [{ name: a, source: \"srt://0.0.0.0\", profile: default }]", "streams[0].source", "needs a port"),
        ("streams: [{ name: a, source: /no/such/file.ts, profile: default }]", "streams[0].source", "no such file"),
        ("streams: [{ name: a, profile: default }]", "streams[0].source", "give source"),
        ("streams: [{ name: a, source: demo, upstreams: [https://x.example], profile: default }]",
         "streams[0].upstreams", "not both"),
        ("streams: [{ name: a, source: demo }]", "streams[0].profile", "missing required field"),
        ("streams: [{ name: a, source: demo, profile: nope }]", "streams[0].profile", "no such profile file"),
        ("streams: [{ name: \"a/b\", source: demo, profile: default }]", "streams[0].name", "letters, digits"),
        ("streams: [{ name: a, source: demo, profile: default, ingest_key: \"\" }]", "streams[0].ingest_key",
         "non-empty"),
        ("streams: [{ name: a, upstreams: [https://x.example], ingest_key: k }]", "streams[0].ingest_key",
         "not relayed ones"),
        ("streams: [{ name: a, source: demo, profile: default, origin_public_key: k }]",
         "streams[0].origin_public_key", "relayed streams"),
        ("streams: [{ name: a, upstreams: [https://x.example], profile: default }]", "streams[0].profile",
         "take their ladder from the origin"),
        ("streams: [{ name: a, upstreams: [] }]", "streams[0].upstreams", "at least one peer URL"),
        ("streams: [{ name: a, source: demo, profile: default, pinned_renditions: [720p] }]",
         "streams[0].pinned_renditions", "applies to relayed streams"),
        ("streams: [{ name: a, upstreams: [https://x.example], pinned_renditions: [720p, \"a b\"] }]",
         "streams[0].pinned_renditions[1]", "not a rendition name"),
        ("streams: [{ name: a, upstreams: [https://x.example], pinned_renditions: 720p }]",
         "streams[0].pinned_renditions", "must be a list"),
        ("streams: [{ name: a, upstreams: [ftp://x.example] }]", "streams[0].upstreams[0]", "http:// or https://"),
        ("streams: [{ name: a, source: demo, profile: default, key: x }]", "streams[0].key", "unknown key"),
        ("mesh: { seed_peers: [edge-2] }", "mesh.seed_peers[0]", "must be a URL like"),
        ("mesh: { tls_certificate: a.crt }", "mesh.tls_key", "set together"),
        ("mesh: { tls_ca_file: \"\" }", "mesh.tls_ca_file", "must not be empty"),
        ("mesh: { tls_ca_file: [a.pem, b.pem] }", "mesh.tls_ca_file", "must be a single value"),
        ("mesh: { tls_ca_fle: ca.pem }", "mesh.tls_ca_fle", "did you mean 'tls_ca_file'?"),
        ("limits: { window_segments: 2 }", "limits.window_segments", "3…1000"),
        ("limits: { max_connection: 5 }", "limits.max_connection", "did you mean 'max_connections'?"),
        ("limits: { idle_pull_seconds: -1 }", "limits.idle_pull_seconds", "must be 0 (always pull) to 86400"),
        ("limits: { per_connection_buffer_bytes: 1MiB }", "limits.per_connection_buffer_bytes", "whole number"),
    ])
    func badConfigNamesTheFieldPath(yaml: String, fieldPath: String, reasonContains: String) {
        let problems = Self.problems(yaml)
        let problem = problems.first { $0.fieldPath == fieldPath }
        #expect(problem != nil, "no problem at \(fieldPath); got \(problems.map(\.description))")
        if let problem {
            #expect(problem.reason.contains(reasonContains), "\(problem)")
            #expect(problem.description.hasPrefix("node.yaml: \(fieldPath): "))
        }
    }

    @Test func aBrokenProfileIsReportedInItsOwnFileAndAtTheReference() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let profile = directory + "/bad.yaml"
        try Fixtures.profile(replacing: "bitrate_kbps: 1200", with: "bitrate_kbps: -5")
            .write(toFile: profile, atomically: true, encoding: .utf8)
        let yaml = """
            streams:
              - { name: a, source: demo, profile: \(profile) }
              - { name: b, source: demo, profile: \(profile) }
            """
        let lines = Self.problems(yaml).map(\.description)
        #expect(lines == [
            "node.yaml: streams[0].profile: profile \(profile) is not valid (problems listed below)",
            "node.yaml: streams[1].profile: profile \(profile) is not valid (problems listed below)",
            "\(profile): video.renditions[1].bitrate_kbps: must be a positive integer, got -5",
        ])
    }

    @Test func theSampleConfigValidatesAgainstTheShippedProfiles() throws {
        let config = try NodeConfig.load(contentsOf: Fixtures.repositoryRoot + "/Systemd/mutstream.yaml",
                                         profilesDirectory: Self.profiles)
        #expect(config.profilesDirectory == Self.profiles)
        #expect(config.streams.map(\.name) == ["demo", "studio-a", "event", "keynote"])
        #expect(config.streams.filter { $0.profile != nil }.count == 3)
        #expect(config.streams.contains { $0.isRelayed })
        // TLS is commented out in the sample: a box installed from it serves plain HTTP until
        // the operator has certificate files.
        #expect(config.mesh.tlsKey == nil && !config.mesh.servesTLS)
    }

    @Test func theTLSFilesResolveAgainstTheConfigFile() throws {
        let config = try Self.parse("""
            mesh:
              tls_certificate: tls/edge.crt
              tls_key: /etc/mutstream/tls/edge.key
              tls_ca_file: tls/mesh-ca.pem
            """)
        #expect(config.mesh.tlsCertificate == Fixtures.repositoryRoot + "/tls/edge.crt")
        #expect(config.mesh.tlsKey == "/etc/mutstream/tls/edge.key")
        #expect(config.mesh.tlsCAFile == Fixtures.repositoryRoot + "/tls/mesh-ca.pem")
        #expect(config.mesh.servesTLS)
        // A CA file alone is a relay that pulls from https:// upstreams but serves plain HTTP.
        let relay = try Self.parse("mesh: { tls_ca_file: ca.pem }")
        #expect(relay.mesh.tlsCAFile == Fixtures.repositoryRoot + "/ca.pem")
        #expect(!relay.mesh.servesTLS)
    }

    @Test func theDemoConfigHasOneDemoStream() throws {
        let profile = try Profile.load(contentsOf: Self.profiles + "/default.yaml")
        let config = NodeConfig.demo(profile: profile)
        #expect(config.streams == [StreamConfig(name: "demo", input: .demo, profile: profile)])
        #expect(config.listen.description == "0.0.0.0:8080")
    }

    @Test func listenAddressesParse() {
        #expect(ListenAddress(parsing: ":8080") == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(ListenAddress(parsing: "localhost:0") == ListenAddress(host: "localhost", port: 0))
        #expect(ListenAddress(parsing: "[::]:443") == ListenAddress(host: "::", port: 443))
        #expect(ListenAddress(parsing: "::1:8080") == nil)
        #expect(ListenAddress(parsing: "host:") == nil)
        #expect(ListenAddress(parsing: "host:-1") == nil)
    }
}
