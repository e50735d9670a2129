/// `mutstream`, the command users and systemd run: a light executable that starts in a few
/// milliseconds because it links neither libav* (and the ~200 codec libraries behind it) nor
/// Foundation (only the FoundationEssentials that ArgumentParser uses): loading those took
/// ~0.1 s per run. It runs the light subcommands itself and replaces itself with the media
/// executable for everything else.
@main
enum Launcher {
    static func main() {
        let arguments = CommandLine.arguments
        if arguments.count > 1, LightCommands.names.contains(arguments[1]) {
            LightCommands.main()
            return
        }
        // Everything else (serve, transcode, profiles, simulate, mesh, help, --help, errors)
        // is the media executable's: it has the whole command tree.
        MediaExecutable.replaceCurrentProcess(arguments: arguments)
    }
}
