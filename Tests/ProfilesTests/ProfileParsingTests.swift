import Foundation
import Profiles
import Testing

@Suite("Profile parsing")
struct ProfileParsingTests {
    @Test func goodProfileParsesToTheExpectedModel() throws {
        let profile = try Profile.parse(yaml: Fixtures.goodProfile, file: "test.yaml")
        #expect(profile == Profile(
            name: "test", segmentSeconds: 2, partSeconds: 0.5, frameRate: 30,
            video: VideoLadder(codec: .vp9, speed: 8, options: [:], renditions: [
                Rendition(name: "720p", width: 1280, height: 720, bitrateKbps: 2500),
                Rendition(name: "480p", width: 854, height: 480, bitrateKbps: 1200),
            ]),
            audio: AudioSettings(codec: .opus, bitrateKbps: 96, sampleRate: 48_000, channels: 2)))
        #expect(profile.framesPerSegment == 60)
        #expect(profile.framesPerPart == 15)
    }

    @Test func optionalKeysAreRead() throws {
        let yaml = """
            name: full
            segment_seconds: 1
            part_seconds: 0.2
            frame_rate: 25
            video:
              codec: H264
              speed: 3
              options: { tune: zerolatency, threads: 2 }
              renditions:
                - name: small
                  width: 320
                  height: 180
                  bitrate_kbps: 300
            audio: { codec: aac, sample_rate: 44100, channels: 1 }
            """
        let profile = try Profile.parse(yaml: yaml, file: "full.yaml")
        #expect(profile.frameRate == 25)
        #expect(profile.video.codec == .h264)
        #expect(profile.video.options == ["tune": "zerolatency", "threads": "2"])
        #expect(profile.audio == AudioSettings(codec: .aac, bitrateKbps: 128, sampleRate: 44_100, channels: 1))
        #expect(VideoCodec.x264Preset(speed: profile.video.speed) == "medium")
    }

    @Test func omittedAudioIsTheDefaultAudio() throws {
        let yaml = Fixtures.profile(replacing: "audio: { codec: opus, bitrate_kbps: 96 }", with: "")
        let profile = try Profile.parse(yaml: yaml, file: "test.yaml")
        #expect(profile.audio == AudioSettings())
    }

    @Test func audioNoneMeansNoAudio() throws {
        let yaml = Fixtures.profile(replacing: "audio: { codec: opus, bitrate_kbps: 96 }", with: "audio: none")
        let profile = try Profile.parse(yaml: yaml, file: "test.yaml")
        #expect(profile.audio == nil)
    }

    @Test func aRungLargerThanAnySourceIsAllowed() throws {
        let yaml = Fixtures.profile(
            replacing: "{ name: 720p, width: 1280, height: 720, bitrate_kbps: 2500 }",
            with: "{ name: 4k, width: 3840, height: 2160, bitrate_kbps: 16000 }")
        let profile = try Profile.parse(yaml: yaml, file: "test.yaml")
        #expect(profile.video.renditions[0].width == 3840)
    }

    @Test func errorsPrintAsFileFieldPathReason() {
        let yaml = Fixtures.profile(replacing: "bitrate_kbps: 1200", with: "bitrate_kbps: -5")
        let problems = Fixtures.problems(in: yaml, file: "Profiles/bad.yaml")
        #expect(problems.map(\.description) == [
            "Profiles/bad.yaml: video.renditions[1].bitrate_kbps: must be a positive integer, got -5",
        ])
        #expect(problems.first?.line == 9)
    }

    @Test func loadReadsAFileAndNamesItInErrors() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/p.yaml"
        try Fixtures.goodProfile.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try Profile.load(contentsOf: path).name == "test")

        let missing = directory + "/missing.yaml"
        #expect {
            try Profile.load(contentsOf: missing)
        } throws: { error in
            (error as? ProfileErrors)?.description == "\(missing): no such file"
        }
    }

    @Test func codeBuiltProfilesValidateWithTheSameMessages() {
        var profile = Profile(name: "code", video: VideoLadder(codec: .vp8, speed: 20, renditions: [
            Rendition(name: "a b", width: 641, height: 0, bitrateKbps: 100),
        ]))
        profile.partSeconds = 0.3
        let lines = profile.validationProblems(file: "code").map(\.description)
        #expect(lines == [
            "code: part_seconds: segment_seconds (2) must hold a whole number of parts; 2 / 0.3 = 6.667",
            "code: video.speed: must be 0…16 for vp8 (libvpx cpu-used; live encoding typically uses 8…16), got 20",
            "code: video.renditions[0].name: must use only letters, digits, '-' and '_' (it is a URL path component), got \"a b\"",
            "code: video.renditions[0].width: must be even (4:2:0 chroma halves each dimension), got 641",
            "code: video.renditions[0].height: must be a positive even number of pixels, got 0",
        ])
        #expect(throws: ProfileErrors.self) { try profile.validate() }
        #expect(Profile(name: "ok", video: VideoLadder(codec: .vp9, renditions: [
            Rendition(name: "x", width: 2, height: 2, bitrateKbps: 1),
        ])).validationProblems().isEmpty)
    }
}
