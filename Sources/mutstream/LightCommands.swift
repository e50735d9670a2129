import ArgumentParser
import ChunkCLI

/// The subcommands the launcher runs in its own process: those that need no libav and no
/// Foundation, and where start-up time is part of what the user measures. (`profiles` and
/// `simulate` need no libav either, but use Foundation through Yams and for files; loading it
/// would cost every `chunk` run, so they stay in the media executable.)
struct LightCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutstream",
        abstract: "Edge media transcoding and relay appliance.",
        subcommands: [ChunkCommand.self]
    )

    /// The first arguments that select a light subcommand.
    static let names: Set<String> = Set(configuration.subcommands.compactMap { $0.configuration.commandName })
}
