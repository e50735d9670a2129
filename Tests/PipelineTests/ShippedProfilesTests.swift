import Foundation
import LibAV
import Pipeline
import Profiles
import Testing

/// Validation accepting a profile is not enough: libav must accept the options it maps to.
struct ShippedProfilesTests {
    static let profilesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Profiles")

    static var shippedProfiles: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: profilesDirectory.path))?
            .filter { $0.hasSuffix(".yaml") }.sorted() ?? []
    }

    @Test func thereAreShippedProfiles() {
        #expect(Self.shippedProfiles.count >= 4)
    }

    @Test(arguments: shippedProfiles)
    func everyEncoderOfAShippedProfileOpens(file: String) throws {
        let profile = try Profile.load(contentsOf: Self.profilesDirectory.appendingPathComponent(file).path)
        let plan = RenditionPlan(profile: profile, coreCount: 2)
        for (rendition, settings) in plan.video {
            let encoder = try Encoder(video: settings)
            #expect(encoder.width == rendition.width && encoder.height == rendition.height)
        }
        if let audio = plan.audio { _ = try Encoder(audio: audio) }
    }

    @Test func speedBeyondWhatLibvpxAcceptsIsRejectedByValidation() {
        let yaml = """
            name: fast
            segment_seconds: 2
            part_seconds: 0.5
            video:
              codec: vp9
              speed: 9
              renditions: [{ name: a, width: 320, height: 180, bitrate_kbps: 300 }]
            """
        #expect(throws: (any Error).self) { try Profile.parse(yaml: yaml, file: "fast.yaml") }
    }
}
