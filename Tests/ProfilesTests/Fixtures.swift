import Foundation
import Profiles
import Testing

/// Shared inputs and helpers for the Profiles tests.
enum Fixtures {
    /// The repository root, found from this file's own path (Tests/ProfilesTests/Fixtures.swift).
    static let repositoryRoot: String = {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    static let shippedProfilesDirectory = repositoryRoot + "/Profiles"

    /// A valid profile; bad cases are this with one line changed.
    static let goodProfile = """
        name: test
        segment_seconds: 2
        part_seconds: 0.5
        video:
          codec: vp9
          speed: 8
          renditions:
            - { name: 720p, width: 1280, height: 720, bitrate_kbps: 2500 }
            - { name: 480p, width: 854, height: 480, bitrate_kbps: 1200 }
        audio: { codec: opus, bitrate_kbps: 96 }
        """

    /// `goodProfile` with `old` replaced by `new`; fails the test if `old` is not there.
    static func profile(replacing old: String, with new: String) -> String {
        #expect(goodProfile.contains(old), "fixture does not contain \(old)")
        return goodProfile.replacingOccurrences(of: old, with: new)
    }

    /// The problems parsing `yaml` reports, or an empty list when it parses.
    static func problems(in yaml: String, file: String = "test.yaml") -> [ProfileError] {
        do {
            _ = try Profile.parse(yaml: yaml, file: file)
            return []
        } catch let errors as ProfileErrors {
            return errors.problems
        } catch {
            Issue.record("unexpected error type: \(error)")
            return []
        }
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "profiles-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
