import Foundation
import Profiles
import Testing

@Suite("Shipped profiles")
struct ShippedProfilesTests {
    static func shippedFiles() throws -> [String] {
        let directory = Fixtures.shippedProfilesDirectory
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") }
            .sorted()
            .map { directory + "/" + $0 }
    }

    @Test func everyShippedProfileLoadsAndValidates() throws {
        let files = try Self.shippedFiles()
        #expect(files.count >= 4)
        for file in files {
            do {
                let profile = try Profile.load(contentsOf: file)
                #expect(profile.validationProblems(file: file).isEmpty)
                // The file is named after the profile, so `name:` and the path never disagree.
                #expect(profile.name + ".yaml" == URL(fileURLWithPath: file).lastPathComponent)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func theDefaultProfileIsTheDocumentedLadder() throws {
        let profile = try Profile.load(contentsOf: Fixtures.shippedProfilesDirectory + "/default.yaml")
        #expect(profile.video.codec == .vp9)
        #expect(profile.video.speed == 8)
        #expect(profile.segmentSeconds == 2)
        #expect(profile.partSeconds == 0.5)
        #expect(profile.frameRate == 30)
        #expect(profile.video.renditions.map(\.name) == ["720p", "480p", "360p"])
        #expect(profile.video.renditions.map(\.bitrateKbps) == [2500, 1200, 700])
        #expect(profile.audio == AudioSettings(codec: .opus, bitrateKbps: 96))
    }

    @Test func theOtherProfilesHaveTheirCodecsAndRungs() throws {
        let directory = Fixtures.shippedProfilesDirectory
        let h264 = try Profile.load(contentsOf: directory + "/h264.yaml")
        #expect(h264.video.codec == .h264)
        #expect(h264.audio?.codec == .aac)
        #expect(h264.audio?.bitrateKbps == 128)
        #expect(h264.video.renditions.map(\.height) == [720, 480, 360])

        let vp8 = try Profile.load(contentsOf: directory + "/vp8-low-power.yaml")
        #expect(vp8.video.codec == .vp8)
        #expect(vp8.video.renditions.map(\.height) == [480, 360, 240])

        let full = try Profile.load(contentsOf: directory + "/vp9-1080p.yaml")
        #expect(full.video.codec == .vp9)
        #expect(full.video.renditions.map(\.height) == [1080, 720, 480, 360])
    }
}
