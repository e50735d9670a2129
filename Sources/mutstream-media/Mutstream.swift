import ArgumentParser
import ChunkCLI

/// The `mutstream` command: a thin root over the subcommands, one file each.
@main
struct Mutstream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutstream",
        abstract: "Edge media transcoding and relay appliance.",
        discussion: """
            Ingests a live feed, transcodes it once into an aligned adaptive-bitrate ladder \
            (VP9, VP8 or H.264 through libav), packages it as CMAF / LL-HLS and serves it.
            """,
        subcommands: [ServeCommand.self, TranscodeCommand.self, ChunkCommand.self, ProfilesCommand.self, SimulateCommand.self, MeshCommand.self]
    )
}
