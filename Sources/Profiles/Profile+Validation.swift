extension Profile {
    /// Every problem with this profile, each naming `file` and the YAML field path it would
    /// have (`video.renditions[1].bitrate_kbps`). Empty when the profile is usable.
    ///
    /// Profiles from `load`/`parse` are already valid; this is for profiles built in code.
    public func validationProblems(file: String = "<profile>") -> [ProfileError] {
        var problems: [ProfileError] = []
        let report: ProfileRules.Report = { path, reason in
            problems.append(ProfileError(file: file, fieldPath: path.description, reason: reason))
        }
        ProfileRules.name(name, report: report)
        ProfileRules.timing(segmentSeconds: segmentSeconds, partSeconds: partSeconds, frameRate: frameRate,
                            report: report)
        ProfileRules.speed(video.speed, codec: video.codec, report: report)
        ProfileRules.options(video.options, report: report)
        ProfileRules.renditions(video.renditions.map {
            .init(name: $0.name, width: $0.width, height: $0.height, bitrateKbps: $0.bitrateKbps)
        }, report: report)
        if let audio {
            ProfileRules.audio(codec: audio.codec, bitrateKbps: audio.bitrateKbps, sampleRate: audio.sampleRate,
                               channels: audio.channels, report: report)
        }
        return problems
    }

    /// Throws `ProfileErrors` listing every problem, or returns when the profile is usable.
    public func validate(file: String = "<profile>") throws {
        let problems = validationProblems(file: file)
        if !problems.isEmpty { throw ProfileErrors(problems) }
    }
}
