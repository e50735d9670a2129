import Yams

extension NodeConfig {
    static let topLevelKeys = ["node_id", "listen", "profiles_dir", "streams", "mesh", "limits"]
    static let meshKeys = ["seed_peers", "secret_file", "signing_key_file", "tls_certificate", "tls_key", "tls_ca_file"]
    static let limitsKeys = [
        "max_connections", "window_segments", "blocking_request_timeout_seconds", "per_connection_buffer_bytes",
        "idle_pull_seconds",
    ]

    /// Reads and validates the node configuration at `path`, and loads and validates every
    /// profile its streams name.
    ///
    /// - Parameter profilesDirectory: overrides `profiles_dir:` (tests point it at the
    ///   repository's Profiles/; an operator can try a config before installing profiles).
    /// - Throws: `ProfileErrors` with every problem: the config's as `path: streams[2].source:
    ///   reason`, a profile's as `profile-path: field.path: reason`.
    public static func load(contentsOf path: String, profilesDirectory: String? = nil) throws -> NodeConfig {
        let diagnostics = Diagnostics(file: path)
        guard let yaml = YAMLDocument.contents(ofFile: path, diagnostics: diagnostics) else {
            throw ProfileErrors(diagnostics.sortedProblems)
        }
        return try parse(yaml: yaml, file: path, profilesDirectory: profilesDirectory)
    }

    /// Parses and validates node configuration YAML; `file` names it in errors and, unless
    /// `baseDirectory` is given, its directory is where relative paths resolve.
    public static func parse(
        yaml: String, file: String, baseDirectory: String? = nil, profilesDirectory: String? = nil
    ) throws -> NodeConfig {
        let diagnostics = Diagnostics(file: file)
        var reader = NodeConfigReader(
            diagnostics: diagnostics, baseDirectory: baseDirectory ?? ConfigPath.directory(of: file),
            profilesDirectoryOverride: profilesDirectory)
        let config = reader.read(yaml: yaml)
        let problems = diagnostics.sortedProblems + reader.profileProblems
        guard problems.isEmpty, let config else { throw ProfileErrors(problems) }
        return config
    }
}

/// One pass over a node configuration document.
struct NodeConfigReader {
    let diagnostics: Diagnostics
    let baseDirectory: String
    let profilesDirectoryOverride: String?
    /// Problems inside referenced profile files, reported once per file.
    var profileProblems: [ProfileError] = []
    // nil value: the file was tried and is missing or invalid (reported once).
    var profilesByPath: [String: Profile?] = [:]
    var profilesDirectory: String?

    init(diagnostics: Diagnostics, baseDirectory: String, profilesDirectoryOverride: String?) {
        self.diagnostics = diagnostics
        self.baseDirectory = baseDirectory
        self.profilesDirectoryOverride = profilesDirectoryOverride
    }

    mutating func read(yaml: String) -> NodeConfig? {
        guard let root = YAMLDocument.root(of: yaml, diagnostics: diagnostics),
              let document = MappingReader(root, at: .root, diagnostics: diagnostics)
        else { return nil }
        document.rejectUnknownKeys(allowed: NodeConfig.topLevelKeys)

        let nodeID = document.string("node_id", default: "edge-1")
        if let nodeID, !NodeConfigReader.isNodeID(nodeID) {
            diagnostics.report(document.path.key("node_id"),
                               "must be 1…64 letters, digits, '.', '-' or '_', got \"\(nodeID)\"")
        }
        var listen: ListenAddress?
        if let text = document.string("listen", default: "0.0.0.0:8080") {
            listen = ListenAddress(parsing: text)
            if listen == nil {
                diagnostics.report(document.path.key("listen"),
                                   "must be host:port (e.g. 0.0.0.0:8080, [::]:8080, :8080), got \"\(text)\"")
            }
        }
        if let override = profilesDirectoryOverride {
            profilesDirectory = ConfigPath.resolve(override, against: ".")
        } else if let directory = document.string("profiles_dir") {
            profilesDirectory = ConfigPath.resolve(directory, against: baseDirectory)
        }

        let streams = readStreams(document)
        let mesh = readMesh(document)
        let limits = readLimits(document)

        guard diagnostics.isEmpty, profileProblems.isEmpty, let nodeID, let listen, let streams, let mesh,
              let limits
        else { return nil }
        return NodeConfig(nodeID: nodeID, listen: listen, profilesDirectory: profilesDirectory, streams: streams,
                          mesh: mesh, limits: limits)
    }

    static func isNodeID(_ text: String) -> Bool {
        // The id travels in metrics labels, HTTP headers and log lines: keep it to one token.
        (1...64).contains(text.utf8.count)
            && Rendition.isPathSafe(text.replacingOccurrences(of: ".", with: "_"))
    }

    private func readMesh(_ document: MappingReader) -> MeshConfig? {
        guard let node = document.value("mesh") else {
            if document.contains("mesh") {
                diagnostics.report(document.path.key("mesh"), "is empty; give settings or remove the key")
                return nil
            }
            return MeshConfig()
        }
        guard let mesh = MappingReader(node, at: document.path.key("mesh"), diagnostics: diagnostics) else {
            return nil
        }
        mesh.rejectUnknownKeys(allowed: NodeConfig.meshKeys)
        var peers: [String]?
        if let entries = mesh.strings("seed_peers") {
            peers = entries.map(\.value)
            for entry in entries {
                if let problem = ConfigPath.peerURLProblem(entry.value) { diagnostics.report(entry.path, problem) }
            }
        } else if !mesh.contains("seed_peers") {
            peers = []
        }
        let secretFile = optionalPath(mesh, "secret_file")
        let signingKeyFile = optionalPath(mesh, "signing_key_file")
        let certificate = optionalPath(mesh, "tls_certificate")
        let key = optionalPath(mesh, "tls_key")
        let caFile = optionalPath(mesh, "tls_ca_file")
        if mesh.contains("tls_certificate") != mesh.contains("tls_key") {
            let missing = mesh.contains("tls_certificate") ? "tls_key" : "tls_certificate"
            diagnostics.report(mesh.path.key(missing),
                               "missing: tls_certificate and tls_key are set together or not at all")
        }
        guard let peers, let secretFile, let signingKeyFile, let certificate, let key, let caFile else { return nil }
        return MeshConfig(seedPeers: peers, secretFile: secretFile, tlsCertificate: certificate, tlsKey: key,
                          signingKeyFile: signingKeyFile, tlsCAFile: caFile)
    }

    /// A path value resolved against the config's directory: `.some(nil)` when the key is
    /// absent, nil when it is written but bad (reported).
    func optionalPath(_ reader: MappingReader, _ key: String) -> String?? {
        guard reader.contains(key) else { return .some(nil) }
        guard let text = reader.string(key) else { return nil }
        guard !text.isEmpty else {
            diagnostics.report(reader.path.key(key), "must not be empty")
            return nil
        }
        return .some(ConfigPath.resolve(text, against: baseDirectory))
    }

    private func readLimits(_ document: MappingReader) -> NodeLimits? {
        let defaults = NodeLimits()
        guard let node = document.value("limits") else {
            if document.contains("limits") {
                diagnostics.report(document.path.key("limits"), "is empty; give limits or remove the key")
                return nil
            }
            return defaults
        }
        guard let limits = MappingReader(node, at: document.path.key("limits"), diagnostics: diagnostics) else {
            return nil
        }
        limits.rejectUnknownKeys(allowed: NodeConfig.limitsKeys)
        func whole(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>, _ why: String = "") -> Int? {
            guard let value = limits.int(key, default: fallback) else { return nil }
            guard range.contains(value) else {
                diagnostics.report(limits.path.key(key), "must be \(range.lowerBound)…\(range.upperBound)\(why), got \(value)")
                return nil
            }
            return value
        }
        func seconds(_ key: String, _ fallback: Double, _ maximum: Double) -> Double? {
            guard let value = limits.double(key, default: fallback) else { return nil }
            guard value > 0, value <= maximum else {
                diagnostics.report(limits.path.key(key),
                                   "must be more than 0 and at most \(ProfileRules.format(maximum)) seconds, "
                                   + "got \(ProfileRules.format(value))")
                return nil
            }
            return value
        }
        let maxConnections = whole("max_connections", defaults.maxConnections, 1...1_000_000)
        let windowSegments = whole("window_segments", defaults.windowSegments, 3...1_000,
                                   " (a live HLS playlist must span three segments)")
        let timeout = seconds("blocking_request_timeout_seconds", defaults.blockingRequestTimeoutSeconds, 60)
        let buffer = whole("per_connection_buffer_bytes", defaults.perConnectionBufferBytes, 4_096...(1 << 30))
        var idle = limits.double("idle_pull_seconds", default: defaults.idlePullSeconds)
        if let value = idle, !(0...86_400).contains(value) {
            diagnostics.report(limits.path.key("idle_pull_seconds"),
                               "must be 0 (always pull) to 86400 seconds, got \(ProfileRules.format(value))")
            idle = nil
        }
        guard let maxConnections, let windowSegments, let timeout, let buffer, let idle else { return nil }
        return NodeLimits(maxConnections: maxConnections, windowSegments: windowSegments,
                          blockingRequestTimeoutSeconds: timeout, perConnectionBufferBytes: buffer,
                          idlePullSeconds: idle)
    }
}
