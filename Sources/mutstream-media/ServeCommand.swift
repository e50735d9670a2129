import ArgumentParser
import Edge
import Foundation
import LibAV
import Logging
import ServiceLifecycle

/// `mutstream serve`: the edge service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the edge service: ingest, transcode, and serve LL-HLS, metrics and admin.",
        discussion: """
            With --config, serves the streams of a node configuration (see Systemd/mutstream.yaml \
            and README.md). Without it, serves the built-in demo: the test pattern and tone \
            through Profiles/default.yaml as stream "demo".

            Players: http://HOST:PORT/live/STREAM/master.m3u8 (LL-HLS; https:// when mesh.tls_certificate \
            and mesh.tls_key are set). Operations: /metrics, \
            /healthz, /readyz, POST /admin/v1/reload. SIGHUP reloads the configuration (only \
            changed streams restart; an invalid one is rejected and the running one stays); \
            SIGTERM or SIGINT drains: open segments are finished, then the listener closes.

            Exit status: 0 after a clean shutdown, 2 for an invalid configuration, 1 otherwise.
            """
    )

    @Option(name: .long, help: "Node configuration (YAML), e.g. /etc/mutstream/mutstream.yaml.")
    var config: String?

    @Option(name: .long, help: "Where profile names in the configuration are looked up (overrides profiles_dir).")
    var profilesDir: String?

    @Option(name: .long, help: "Profile for the built-in demo (default: the built-in Profiles/default.yaml).")
    var demoProfile: String?

    @Flag(name: .long, help: "Show libav's own warnings and info messages.")
    var verbose = false

    func run() async throws {
        let logger = Logger(label: "mutstream")
        LibAVRuntime.setVerbose(verbose)
        let source: EdgeNode.ConfigurationSource = config.map { .file(path: $0, profilesDirectory: profilesDir) }
            ?? .demo(profilePath: demoProfile)
        let node: EdgeNode
        do {
            node = try EdgeNode(source: source, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        let host = node.configuration.listen.host
        let scheme = node.urlScheme
        let streams = node.configuration.streams.map(\.name)
        let service = EdgeService(node: node, logger: logger) { port in
            let shownHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
            var text = "mutstream serving on port \(port)\n"
            for stream in streams {
                text += "  \(stream): \(scheme)://\(shownHost):\(port)/live/\(stream)/master.m3u8\n"
            }
            if let first = streams.first {
                text += "Watch with:  ffplay \(scheme)://\(shownHost):\(port)/live/\(first)/master.m3u8   (or open the URL in VLC)\n"
            }
            // Written unbuffered so that scripts and tests reading the pipe see it at once.
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        let reload = SignalForwarder(signals: [SIGHUP]) { _ in
            logger.notice("SIGHUP: reloading the configuration")
            do { _ = try node.reload() } catch {
                logger.error("configuration rejected, the running one stays: \(error)")
            }
        }
        defer { reload.cancel() }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
