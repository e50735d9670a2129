import Yams

extension Profile {
    /// Keys a profile may have at its top level.
    static let topLevelKeys = ["name", "segment_seconds", "part_seconds", "frame_rate", "video", "audio"]
    static let videoKeys = ["codec", "speed", "options", "renditions"]
    static let renditionKeys = ["name", "width", "height", "bitrate_kbps"]
    static let audioKeys = ["codec", "bitrate_kbps", "sample_rate", "channels"]

    /// Reads and validates the profile YAML file at `path`.
    ///
    /// - Throws: `ProfileErrors` listing every problem, each `path: field.path: reason`.
    public static func load(contentsOf path: String) throws -> Profile {
        let diagnostics = Diagnostics(file: path)
        let profile = read(file: path, diagnostics: diagnostics)
        return try diagnostics.result(profile)
    }

    /// Parses and validates profile YAML; `file` names it in errors.
    ///
    /// - Throws: `ProfileErrors` listing every problem, each `file: field.path: reason`.
    public static func parse(yaml: String, file: String) throws -> Profile {
        let diagnostics = Diagnostics(file: file)
        let profile = read(yaml: yaml, diagnostics: diagnostics)
        return try diagnostics.result(profile)
    }

    /// The profile in `file`, or nil with the problems in `diagnostics`.
    static func read(file: String, diagnostics: Diagnostics) -> Profile? {
        guard let yaml = YAMLDocument.contents(ofFile: file, diagnostics: diagnostics) else { return nil }
        return read(yaml: yaml, diagnostics: diagnostics)
    }

    /// The profile in `yaml`, or nil with the problems in `diagnostics`.
    static func read(yaml: String, diagnostics: Diagnostics) -> Profile? {
        guard let root = YAMLDocument.root(of: yaml, diagnostics: diagnostics),
              let document = MappingReader(root, at: .root, diagnostics: diagnostics)
        else { return nil }
        document.rejectUnknownKeys(allowed: topLevelKeys)
        let report: ProfileRules.Report = { path, reason in diagnostics.report(path, reason) }

        let name = document.string("name", required: true)
        let segmentSeconds = document.double("segment_seconds", required: true)
        let partSeconds = document.double("part_seconds", required: true)
        let frameRate = document.int("frame_rate", default: 30)
        ProfileRules.name(name, report: report)
        ProfileRules.timing(segmentSeconds: segmentSeconds, partSeconds: partSeconds, frameRate: frameRate,
                            report: report)

        let video = readVideo(document, report: report)
        let audio = readAudio(document, report: report)

        guard diagnostics.isEmpty, let name, let segmentSeconds, let partSeconds, let frameRate,
              let video, let audio
        else { return nil }
        return Profile(name: name, segmentSeconds: segmentSeconds, partSeconds: partSeconds, frameRate: frameRate,
                       video: video, audio: audio)
    }

    private static func readVideo(_ document: MappingReader, report: ProfileRules.Report) -> VideoLadder? {
        guard let node = document.required("video"),
              let video = MappingReader(node, at: document.path.key("video"), diagnostics: document.diagnostics)
        else { return nil }
        video.rejectUnknownKeys(allowed: videoKeys)
        let codec = video.choice("codec", required: true, as: VideoCodec.self)
        let speed = video.int("speed", required: true)
        let options = video.stringMap("options")
        ProfileRules.speed(speed, codec: codec, report: report)
        ProfileRules.options(options, report: report)

        var renditionValues: [ProfileRules.RenditionValues]?
        if let elements = video.sequence("renditions", required: true) {
            renditionValues = elements.map { element in
                guard let rung = MappingReader(element.node, at: element.path, diagnostics: video.diagnostics) else {
                    return .init()
                }
                rung.rejectUnknownKeys(allowed: renditionKeys)
                return .init(name: rung.string("name", required: true), width: rung.int("width", required: true),
                             height: rung.int("height", required: true),
                             bitrateKbps: rung.int("bitrate_kbps", required: true))
            }
        }
        ProfileRules.renditions(renditionValues, report: report)

        guard let codec, let speed, let options, let renditionValues else { return nil }
        let renditions = renditionValues.compactMap { values -> Rendition? in
            guard let name = values.name, let width = values.width, let height = values.height,
                  let bitrateKbps = values.bitrateKbps
            else { return nil }
            return Rendition(name: name, width: width, height: height, bitrateKbps: bitrateKbps)
        }
        return VideoLadder(codec: codec, speed: speed, options: options, renditions: renditions)
    }

    // `audio:` omitted means the default audio (opus, 96 kbps); `audio: none` means none.
    // The outer optional is "read successfully"; the inner one is "has audio".
    private static func readAudio(_ document: MappingReader, report: ProfileRules.Report) -> AudioSettings?? {
        guard document.contains("audio") else { return .some(AudioSettings()) }
        let path = document.path.key("audio")
        guard let node = document.value("audio") else {
            document.diagnostics.report(path, "is empty; write `audio: none` for a profile without audio, "
                + "or give { codec, bitrate_kbps }", at: nil)
            return nil
        }
        if let scalar = node.scalar {
            if scalar.string.lowercased() == "none" { return .some(nil) }
            document.diagnostics.report(path, "must be a mapping like { codec: opus, bitrate_kbps: 96 } or none, "
                + "got \(YAMLValue.describe(node))", at: node)
            return nil
        }
        guard let audio = MappingReader(node, at: path, diagnostics: document.diagnostics) else { return nil }
        audio.rejectUnknownKeys(allowed: audioKeys)
        let codec = audio.choice("codec", required: true, as: AudioCodec.self)
        let bitrateKbps = audio.int("bitrate_kbps", default: (codec ?? .opus).defaultBitrateKbps)
        let sampleRate = audio.int("sample_rate", default: 48_000)
        let channels = audio.int("channels", default: 2)
        ProfileRules.audio(codec: codec, bitrateKbps: bitrateKbps, sampleRate: sampleRate, channels: channels,
                           report: report)
        guard let codec, let bitrateKbps, let sampleRate, let channels else { return nil }
        return .some(AudioSettings(codec: codec, bitrateKbps: bitrateKbps, sampleRate: sampleRate, channels: channels))
    }
}
