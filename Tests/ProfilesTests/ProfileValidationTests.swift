import Profiles
import Testing

/// One bad profile: the fixture with one edit, and the problem it must produce.
struct BadProfileCase: CustomTestStringConvertible, Sendable {
    var label: String
    var old: String
    var new: String
    var fieldPath: String
    var reasonContains: String

    var testDescription: String { label }
}

@Suite("Profile validation")
struct ProfileValidationTests {
    static let rung1 = "{ name: 480p, width: 854, height: 480, bitrate_kbps: 1200 }"

    static let cases: [BadProfileCase] = [
        .init(label: "missing name", old: "name: test\n", new: "",
              fieldPath: "name", reasonContains: "missing required field"),
        .init(label: "missing rendition field", old: rung1, new: "{ name: 480p, width: 854, bitrate_kbps: 1200 }",
              fieldPath: "video.renditions[1].height", reasonContains: "missing required field"),
        .init(label: "negative bitrate", old: "bitrate_kbps: 1200", new: "bitrate_kbps: -5",
              fieldPath: "video.renditions[1].bitrate_kbps", reasonContains: "must be a positive integer, got -5"),
        .init(label: "zero bitrate", old: "bitrate_kbps: 1200", new: "bitrate_kbps: 0",
              fieldPath: "video.renditions[1].bitrate_kbps", reasonContains: "got 0"),
        .init(label: "non-numeric bitrate", old: "bitrate_kbps: 1200", new: "bitrate_kbps: lots",
              fieldPath: "video.renditions[1].bitrate_kbps", reasonContains: "must be a whole number, got \"lots\""),
        .init(label: "zero width", old: "width: 854", new: "width: 0",
              fieldPath: "video.renditions[1].width", reasonContains: "positive even number of pixels, got 0"),
        .init(label: "negative height", old: "height: 480", new: "height: -480",
              fieldPath: "video.renditions[1].height", reasonContains: "got -480"),
        .init(label: "odd width", old: "width: 854", new: "width: 855",
              fieldPath: "video.renditions[1].width", reasonContains: "must be even"),
        .init(label: "odd height", old: "height: 480", new: "height: 481",
              fieldPath: "video.renditions[1].height", reasonContains: "must be even"),
        .init(label: "absurd width", old: "width: 854", new: "width: 85400",
              fieldPath: "video.renditions[1].width", reasonContains: "at most 8192"),
        .init(label: "unknown video codec", old: "codec: vp9", new: "codec: hevc",
              fieldPath: "video.codec", reasonContains: "unknown codec \"hevc\"; valid: vp9, vp8, h264"),
        .init(label: "misspelt video codec", old: "codec: vp9", new: "codec: vp6",
              fieldPath: "video.codec", reasonContains: "did you mean"),
        .init(label: "unknown audio codec", old: "codec: opus", new: "codec: mp3",
              fieldPath: "audio.codec", reasonContains: "valid: opus, aac"),
        .init(label: "unknown top-level key", old: "name: test", new: "name: test\nsegment_second: 2",
              fieldPath: "segment_second", reasonContains: "unknown key (did you mean 'segment_seconds'?)"),
        .init(label: "unknown rendition key", old: "bitrate_kbps: 1200", new: "bitrate_kpbs: 1200",
              fieldPath: "video.renditions[1].bitrate_kpbs", reasonContains: "did you mean 'bitrate_kbps'?"),
        .init(label: "unknown audio key", old: "bitrate_kbps: 96", new: "bitrate_kbps: 96, samplerate: 48000",
              fieldPath: "audio.samplerate", reasonContains: "did you mean 'sample_rate'?"),
        .init(label: "parts do not divide the segment", old: "part_seconds: 0.5", new: "part_seconds: 0.3",
              fieldPath: "part_seconds", reasonContains: "whole number of parts"),
        .init(label: "part longer than segment", old: "part_seconds: 0.5", new: "part_seconds: 4",
              fieldPath: "part_seconds", reasonContains: "must not be longer than segment_seconds"),
        .init(label: "zero segment", old: "segment_seconds: 2", new: "segment_seconds: 0",
              fieldPath: "segment_seconds", reasonContains: "greater than 0"),
        .init(label: "negative part", old: "part_seconds: 0.5", new: "part_seconds: -0.5",
              fieldPath: "part_seconds", reasonContains: "greater than 0"),
        .init(label: "part not a whole number of frames", old: "part_seconds: 0.5",
              new: "part_seconds: 0.5\nframe_rate: 25", fieldPath: "part_seconds",
              reasonContains: "whole number of frames at 25 fps; 0.5 s is 12.5 frames"),
        .init(label: "frame rate out of range", old: "name: test", new: "name: test\nframe_rate: 240",
              fieldPath: "frame_rate", reasonContains: "1…120"),
        .init(label: "empty frame rate", old: "name: test", new: "name: test\nframe_rate:",
              fieldPath: "frame_rate", reasonContains: "is empty"),
        .init(label: "vp9 speed out of range", old: "speed: 8", new: "speed: 12",
              fieldPath: "video.speed", reasonContains: "must be 0…8 for vp9"),
        .init(label: "h264 speed out of range", old: "codec: vp9\n  speed: 8", new: "codec: h264\n  speed: 9",
              fieldPath: "video.speed", reasonContains: "0 = veryslow … 8 = ultrafast"),
        .init(label: "duplicate rendition name", old: "name: 480p", new: "name: 720p",
              fieldPath: "video.renditions[1].name", reasonContains: "duplicate rendition name \"720p\""),
        .init(label: "empty rendition name", old: "name: 480p", new: "name: \"\"",
              fieldPath: "video.renditions[1].name", reasonContains: "must not be empty"),
        .init(label: "path-unsafe rendition name", old: "name: 480p", new: "name: ../480p",
              fieldPath: "video.renditions[1].name", reasonContains: "letters, digits"),
        .init(label: "no renditions", old: "renditions:", new: "renditions: []\n  old:",
              fieldPath: "video.renditions", reasonContains: "at least one rendition"),
        .init(label: "renditions not a list", old: "renditions:", new: "renditions: 720p\n  old:",
              fieldPath: "video.renditions", reasonContains: "must be a list"),
        .init(label: "audio bitrate too low", old: "bitrate_kbps: 96", new: "bitrate_kbps: 4",
              fieldPath: "audio.bitrate_kbps", reasonContains: "6…512 kbps"),
        .init(label: "unsupported sample rate", old: "bitrate_kbps: 96", new: "bitrate_kbps: 96, sample_rate: 22050",
              fieldPath: "audio.sample_rate", reasonContains: "must be one of"),
        .init(label: "44.1 kHz opus", old: "bitrate_kbps: 96", new: "bitrate_kbps: 96, sample_rate: 44100",
              fieldPath: "audio.sample_rate", reasonContains: "opus supports 8000, 12000, 16000, 24000, 48000 Hz only"),
        .init(label: "three channels", old: "bitrate_kbps: 96", new: "bitrate_kbps: 96, channels: 3",
              fieldPath: "audio.channels", reasonContains: "1 (mono) or 2 (stereo)"),
        .init(label: "empty audio", old: "audio: { codec: opus, bitrate_kbps: 96 }", new: "audio:",
              fieldPath: "audio", reasonContains: "audio: none"),
        .init(label: "audio is a word other than none", old: "audio: { codec: opus, bitrate_kbps: 96 }",
              new: "audio: off", fieldPath: "audio", reasonContains: "or none, got \"off\""),
        .init(label: "video is not a mapping", old: "video:\n", new: "video: vp9\nold:\n",
              fieldPath: "video", reasonContains: "must be a mapping"),
    ]

    @Test(arguments: cases)
    func badProfileNamesTheFieldPath(_ bad: BadProfileCase) {
        let yaml = Fixtures.profile(replacing: bad.old, with: bad.new)
        let problems = Fixtures.problems(in: yaml, file: "bad.yaml")
        let problem = problems.first { $0.fieldPath == bad.fieldPath }
        #expect(problem != nil, "no problem at \(bad.fieldPath); got \(problems.map(\.description))")
        if let problem {
            #expect(problem.reason.contains(bad.reasonContains), "\(problem)")
            #expect(problem.description.hasPrefix("bad.yaml: \(bad.fieldPath): "))
        }
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let yaml = """
            name: many
            segment_seconds: 2
            part_seconds: 0.5
            video:
              codec: vp9
              speed: 8
              renditions:
                - { name: a, width: 0, height: 480, bitrate_kbps: 1200 }
                - { name: b, width: 640, height: 361, bitrate_kbps: -1 }
            audio: { codec: opus, channels: 6 }
            """
        let paths = Fixtures.problems(in: yaml).map(\.fieldPath)
        #expect(paths == [
            "video.renditions[0].width", "video.renditions[1].height", "video.renditions[1].bitrate_kbps",
            "audio.channels",
        ])
    }

    @Test func aBadCodecDoesNotAlsoBlameTheSpeed() {
        let yaml = Fixtures.profile(replacing: "codec: vp9\n  speed: 8", with: "codec: av1\n  speed: 12")
        #expect(Fixtures.problems(in: yaml).map(\.fieldPath) == ["video.codec"])
    }

    @Test func yamlSyntaxErrorsReportFileAndLine() {
        let yaml = Fixtures.profile(replacing: "  speed: 8", with: "  speed: [8")
        let problems = Fixtures.problems(in: yaml, file: "broken.yaml")
        #expect(problems.count == 1)
        #expect(problems.first?.fieldPath == "")
        #expect(problems.first?.line != nil)
        #expect(problems.first?.description.hasPrefix("broken.yaml:") == true)
        #expect(problems.first?.reason.contains("YAML syntax error") == true)
    }

    @Test func aTabIndentIsASyntaxErrorOnItsLine() {
        let yaml = Fixtures.profile(replacing: "  speed: 8", with: "\tspeed: 8")
        let problem = Fixtures.problems(in: yaml, file: "tab.yaml").first
        #expect(problem?.line == 6)
        #expect(problem?.description.hasPrefix("tab.yaml:6:") == true)
    }

    @Test func duplicateKeysAreReported() {
        let yaml = Fixtures.profile(replacing: "name: test", with: "name: test\nname: again")
        let problem = Fixtures.problems(in: yaml).first
        #expect(problem?.reason.contains("duplicate key 'name'") == true)
    }

    @Test func emptyAndNonMappingDocumentsAreReported() {
        #expect(Fixtures.problems(in: "").first?.reason.contains("empty") == true)
        #expect(Fixtures.problems(in: "# only a comment\n").first?.reason.contains("empty") == true)
        #expect(Fixtures.problems(in: "- a\n- b\n").first?.reason.contains("must be a mapping") == true)
    }
}
