import Foundation
import Yams

extension NodeConfigReader {
    static let streamKeys = ["name", "source", "upstreams", "profile", "ingest_key", "origin_public_key", "pinned_renditions"]

    /// The `streams:` list; absent is no streams.
    mutating func readStreams(_ document: MappingReader) -> [StreamConfig]? {
        guard document.contains("streams") else { return [] }
        guard let elements = document.sequence("streams") else { return nil }
        var streams: [StreamConfig] = []
        var firstIndexByName: [String: Int] = [:]
        var allRead = true
        for (index, element) in elements.enumerated() {
            guard let entry = MappingReader(element.node, at: element.path, diagnostics: diagnostics) else {
                allRead = false
                continue
            }
            let (name, stream) = readStream(entry)
            if let name, Rendition.isPathSafe(name) {
                if let first = firstIndexByName[name] {
                    let other = document.path.key("streams").index(first).key("name")
                    diagnostics.report(entry.path.key("name"), "duplicate stream name \"\(name)\" (also \(other))")
                    allRead = false
                } else {
                    firstIndexByName[name] = index
                }
            }
            if let stream {
                streams.append(stream)
            } else {
                allRead = false
            }
        }
        return allRead ? streams : nil
    }

    /// The stream's name as read (for the duplicate check) and the stream, nil when bad.
    private mutating func readStream(_ entry: MappingReader) -> (name: String?, stream: StreamConfig?) {
        entry.rejectUnknownKeys(allowed: Self.streamKeys)
        let name = entry.string("name", required: true)
        if let name, !Rendition.isPathSafe(name) {
            diagnostics.report(entry.path.key("name"), "must be non-empty and use only letters, digits, '-' and '_' "
                + "(it is a URL path component), got \"\(name)\"")
        }

        let hasSource = entry.contains("source"), hasUpstreams = entry.contains("upstreams")
        var input: StreamInput?
        switch (hasSource, hasUpstreams) {
        case (true, true):
            diagnostics.report(entry.path.key("upstreams"),
                               "a stream has either source (this node ingests it) or upstreams (it relays it), not both")
        case (false, false):
            diagnostics.report(entry.path.key("source"),
                               "missing: give source (a URL, a file or demo) or upstreams (peer URLs)")
        case (true, false):
            input = readSource(entry)
        case (false, true):
            input = readUpstreams(entry)
        }
        let isRelayed = hasUpstreams && !hasSource

        var profilePath: String?
        var profile: Profile?
        var profileOK = true
        if isRelayed {
            if entry.contains("profile") {
                diagnostics.report(entry.path.key("profile"),
                                   "relayed streams take their ladder from the origin; remove profile")
                profileOK = false
            }
        } else if hasSource, let reference = entry.string("profile", required: true) {
            let resolved = resolveProfile(reference)
            profilePath = resolved
            profile = loadProfile(at: resolved, referencedAt: entry.path.key("profile"))
            profileOK = profile != nil
        } else if hasSource {
            profileOK = false
        }

        let ingestKey = secret(entry, "ingest_key", allowed: !isRelayed,
                               why: "ingest_key applies to streams this node ingests (source), not relayed ones")
        let originKey = secret(entry, "origin_public_key", allowed: isRelayed || !hasSource,
                               why: "origin_public_key applies to relayed streams (upstreams); "
                                   + "this node is the origin of a source stream")

        let pinned = readPinnedRenditions(entry, isRelayed: isRelayed || !hasSource)

        guard let name, let input, profileOK, let ingestKey, let originKey, let pinned else { return (name, nil) }
        return (name, StreamConfig(name: name, input: input, profilePath: profilePath, profile: profile,
                                   ingestKey: ingestKey, originPublicKey: originKey, pinnedRenditions: pinned))
    }

    /// `pinned_renditions:` of a relayed stream: rendition names (they are checked against
    /// the origin's catalog when it is read, not here). Absent is none; nil when bad.
    private func readPinnedRenditions(_ entry: MappingReader, isRelayed: Bool) -> [String]? {
        let key = "pinned_renditions"
        guard entry.contains(key) else { return [] }
        guard isRelayed else {
            diagnostics.report(entry.path.key(key), "pinned_renditions applies to relayed streams (upstreams); "
                + "this node encodes every rendition of a source stream")
            return nil
        }
        guard let names = entry.strings(key) else { return nil }
        var ok = true
        for name in names where !Rendition.isPathSafe(name.value) {
            diagnostics.report(name.path, "not a rendition name (letters, digits, '-' and '_'), got \"\(name.value)\"")
            ok = false
        }
        return ok ? names.map(\.value) : nil
    }

    private func readSource(_ entry: MappingReader) -> StreamInput? {
        let path = entry.path.key("source")
        guard let text = entry.string("source", required: true) else { return nil }
        if text == "demo" { return .demo }
        // Before the URL check: a filter graph may hold "://" (a movie= source), and neither
        // form names a file.
        if text.hasPrefix("demo:") || text.hasPrefix("lavfi:") { return .generated(text) }
        guard let schemeEnd = text.range(of: "://") else {
            guard !text.isEmpty else {
                diagnostics.report(path, "must not be empty")
                return nil
            }
            let file = ConfigPath.resolve(text, against: baseDirectory)
            guard FileManager.default.fileExists(atPath: file) else {
                diagnostics.report(path, "no such file \(file) (a source without scheme:// is a file path; "
                    + "use demo for the test pattern)")
                return nil
            }
            return .file(file)
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard StreamInput.sourceSchemes.contains(scheme) else {
            let hint = Spelling.hint(for: scheme, among: StreamInput.sourceSchemes)
            diagnostics.report(path, "unsupported source scheme \"\(scheme)\"\(hint); valid: "
                + StreamInput.sourceSchemes.joined(separator: ", ") + ", a file path, or demo")
            return nil
        }
        if scheme == "file" {
            return .file(String(text[schemeEnd.upperBound...]))
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty
                || scheme == "udp" || scheme == "rtp"
        else {
            diagnostics.report(path, "is not a valid \(scheme) URL, got \"\(text)\"")
            return nil
        }
        // These protocols have no default port; libav would fail later with a less clear error.
        if ["srt", "udp", "rtp", "tcp"].contains(scheme), components.port == nil {
            diagnostics.report(path, "a \(scheme) URL needs a port, e.g. \(scheme)://0.0.0.0:9000, got \"\(text)\"")
            return nil
        }
        return .url(text)
    }

    private func readUpstreams(_ entry: MappingReader) -> StreamInput? {
        guard let urls = entry.strings("upstreams", required: true) else { return nil }
        if urls.isEmpty {
            diagnostics.report(entry.path.key("upstreams"), "must list at least one peer URL")
            return nil
        }
        var ok = true
        var seen: Set<String> = []
        for url in urls {
            if let problem = ConfigPath.peerURLProblem(url.value) {
                diagnostics.report(url.path, problem)
                ok = false
            } else if !seen.insert(url.value).inserted {
                diagnostics.report(url.path, "duplicate upstream \"\(url.value)\"")
                ok = false
            }
        }
        return ok ? .upstreams(urls.map(\.value)) : nil
    }

    /// An optional secret-like value: non-empty, one token, and only where it applies.
    /// `.some(nil)` when absent, nil when bad (reported).
    private func secret(_ entry: MappingReader, _ key: String, allowed: Bool, why: String) -> String?? {
        guard entry.contains(key) else { return .some(nil) }
        guard let value = entry.string(key) else { return nil }
        if !allowed {
            diagnostics.report(entry.path.key(key), why)
            return nil
        }
        if value.isEmpty || value.contains(where: \.isWhitespace) {
            diagnostics.report(entry.path.key(key), "must be non-empty and contain no spaces")
            return nil
        }
        return .some(value)
    }

    /// A bare name (`default`, `h264.yaml`) is looked up in profiles_dir when one is set;
    /// any other path resolves against the config file's directory.
    func resolveProfile(_ reference: String) -> String {
        let isBareName = !reference.contains("/")
        var fileName = reference
        if isBareName, !reference.hasSuffix(".yaml"), !reference.hasSuffix(".yml") {
            fileName += ".yaml"
        }
        if isBareName, let profilesDirectory {
            return ConfigPath.resolve(fileName, against: profilesDirectory)
        }
        return ConfigPath.resolve(fileName, against: baseDirectory)
    }

    /// Loads each profile file once; its own problems are kept (naming the profile file),
    /// and the referencing field gets one line pointing at them.
    private mutating func loadProfile(at path: String, referencedAt field: FieldPath) -> Profile? {
        if let cached = profilesByPath[path] {
            if cached == nil { reportUnusable(path, at: field) }
            return cached
        }
        guard FileManager.default.fileExists(atPath: path) else {
            reportUnusable(path, at: field)
            profilesByPath[path] = Profile?.none
            return nil
        }
        let profileDiagnostics = Diagnostics(file: path)
        let profile = Profile.read(file: path, diagnostics: profileDiagnostics)
        profileProblems += profileDiagnostics.sortedProblems
        profilesByPath[path] = profile
        if profile == nil { reportUnusable(path, at: field) }
        return profile
    }

    private func reportUnusable(_ path: String, at field: FieldPath) {
        if FileManager.default.fileExists(atPath: path) {
            diagnostics.report(field, "profile \(path) is not valid (problems listed below)")
        } else {
            diagnostics.report(field, "no such profile file \(path)")
        }
    }
}
