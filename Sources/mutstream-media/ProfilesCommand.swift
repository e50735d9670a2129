import ArgumentParser
import Foundation
import Profiles

/// `mutstream profiles …`: checking ladder profiles and node configurations before a
/// service runs them.
struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Validate bitrate-ladder profiles and node configurations.",
        discussion: """
            Every problem is printed to standard error as `file: field.path: reason`, e.g.
              Profiles/bad.yaml: video.renditions[1].bitrate_kbps: must be a positive integer, got -5
            Exit status: 0 when every file is valid, 2 when any is not.
            """,
        subcommands: [Check.self, CheckConfig.self]
    )

    /// `profiles check FILE...`
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate profile files (Profiles/*.yaml).",
            discussion: """
                Prints `FILE: ok (N renditions: 720p 2500 kbps, ...)` for each valid file and every \
                problem of the others, then exits 0 if all were valid and 2 otherwise.
                """
        )

        @Argument(help: ArgumentHelp(
            "Profile YAML files to check; a directory means every *.yaml file in it.", valueName: "file"))
        var files: [String]

        func run() throws {
            var allValid = true
            for file in ProfilesCommand.expandingDirectories(files) {
                do {
                    let profile = try Profile.load(contentsOf: file)
                    print("\(file): ok (\(ProfilesCommand.summary(of: profile)))")
                } catch {
                    allValid = false
                    ProfilesCommand.printProblems(error)
                }
            }
            if !allValid { throw ExitCode(2) }
        }
    }

    /// `profiles check-config FILE`
    struct CheckConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config",
            abstract: "Validate a node configuration (the serve --config file) and every profile it names.",
            discussion: """
                Prints `FILE: ok (…)` with the node and its streams when the configuration and all \
                of its profiles are valid, and exits 0; otherwise prints every problem and exits 2.
                """
        )

        @Argument(help: ArgumentHelp("Node configuration YAML file to check.", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp(
            "Look bare profile names up here instead of the config's profiles_dir "
                + "(e.g. ./Profiles before the profiles are installed).",
            valueName: "dir"))
        var profilesDir: String?

        func run() throws {
            do {
                let config = try NodeConfig.load(contentsOf: file, profilesDirectory: profilesDir)
                print("\(file): ok (\(ProfilesCommand.summary(of: config)))")
            } catch {
                ProfilesCommand.printProblems(error)
                throw ExitCode(2)
            }
        }
    }

    /// `3 renditions: 720p 2500 kbps, 480p 1200 kbps, 360p 700 kbps`
    static func summary(of profile: Profile) -> String {
        let count = profile.video.renditions.count
        let rungs = profile.video.renditions.map { "\($0.name) \($0.bitrateKbps) kbps" }.joined(separator: ", ")
        return "\(count) rendition\(count == 1 ? "" : "s"): \(rungs)"
    }

    /// `node edge-1 on 0.0.0.0:8080, 2 streams: demo (default), keynote (relayed)`
    static func summary(of config: NodeConfig) -> String {
        let streams = config.streams.map { stream in
            "\(stream.name) (\(stream.profile?.name ?? "relayed"))"
        }
        let count = config.streams.count
        let list = streams.isEmpty ? "" : ": " + streams.joined(separator: ", ")
        return "node \(config.nodeID) on \(config.listen), \(count) stream\(count == 1 ? "" : "s")\(list)"
    }

    /// `files` with each directory replaced by its `*.yaml` files, sorted.
    static func expandingDirectories(_ files: [String]) -> [String] {
        files.flatMap { file -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue,
                  let names = try? FileManager.default.contentsOfDirectory(atPath: file)
            else { return [file] }
            let base = file.hasSuffix("/") ? file : file + "/"
            return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { base + $0 }
        }
    }

    static func printProblems(_ error: any Error) {
        let lines = (error as? ProfileErrors)?.problems.map(\.description) ?? ["\(error)"]
        for line in lines {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
