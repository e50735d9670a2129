import Foundation

/// Where the things under test are: the repository, the built `mutstream`, the ffmpeg tools.
enum Paths {
    /// The repository root, from this file's path (Tests/IntegrationTests/Support/Paths.swift).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let shippedProfiles = repositoryRoot.appendingPathComponent("Profiles")

    /// The binary under test: `$MUTSTREAM_BINARY`, else `<repo>/.build/debug/mutstream`.
    /// Missing is a failure, not a skip: these tests exist to run the real binary.
    static func mutstream() throws -> URL {
        let configured = ProcessInfo.processInfo.environment["MUTSTREAM_BINARY"].flatMap { $0.isEmpty ? nil : $0 }
        let path = configured ?? repositoryRoot.appendingPathComponent(".build/debug/mutstream").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw SetupError("""
                no mutstream binary at \(path): run `swift build` in \(repositoryRoot.path) first (it builds \
                mutstream and the mutstream-media beside it), or point MUTSTREAM_BINARY at one
                """)
        }
        return URL(fileURLWithPath: path)
    }

    /// A program on `PATH` (ffmpeg, ffprobe); missing is a failure naming the package.
    static func tool(_ name: String) throws -> URL {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw SetupError("\(name) not found on PATH; install the Debian package ffmpeg")
    }
}

/// The test environment is not what the test needs (a missing binary or tool).
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
