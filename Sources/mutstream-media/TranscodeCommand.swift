import ArgumentParser
import Dispatch
import Foundation
import LibAV
import Logging
import Pipeline
import Profiles

/// `mutstream transcode`: one source through a profile's ladder into HLS files on disk.
struct TranscodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Transcode a source through a ladder profile into CMAF segments and HLS playlists.",
        discussion: """
            Decodes the input once, encodes every rendition of the profile in parallel with \
            keyframes aligned at every segment start, and writes DIR/master.m3u8 plus, per \
            rendition, DIR/NAME/init.mp4, seg_NNNNN.m4s and index.m3u8. Playlists are updated \
            after every segment, so the folder can be played while it grows.

            Inputs: a file; demo or demo:1920x1080@30 (the built-in test pattern and tone); \
            lavfi:GRAPH; srt://0.0.0.0:9000?mode=listener; rtmp://0.0.0.0:1935/live/KEY (listens \
            for a push); udp://0.0.0.0:5000 (MPEG-TS). Live inputs run until they end for good \
            or SIGINT/SIGTERM; a stalled or dropped live source is reopened with backoff and the \
            output continues after a discontinuity.

            Example:
              mutstream transcode --profile Profiles/default.yaml --input demo --duration 30 --output out/demo
              ffplay out/demo/master.m3u8
            """
    )

    @Option(name: .long, help: "Ladder profile (YAML), e.g. Profiles/default.yaml.")
    var profile: String

    @Option(name: .long, help: "Source: a file, a libavformat URL, or 'demo'.")
    var input: String

    @Option(name: .long, help: "Output folder (created if missing).")
    var output: String

    @Option(name: .long, help: "Stop after this many seconds of output.")
    var duration: Double?

    @Flag(name: .long, help: "Read the input no faster than real time (synthetic and file sources).")
    var realtime = false

    @Flag(name: .long, help: "Show libav's own warnings and info messages.")
    var verbose = false

    @Flag(name: .long, help: "No progress line.")
    var quiet = false

    func validate() throws {
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive, got \(duration)") }
    }

    func run() throws {
        let logger = Logger(label: "mutstream.transcode")
        let ladder: Profile
        do {
            ladder = try Profile.load(contentsOf: profile)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        let source: SourceSpec
        do { source = try SourceSpec.parse(input, realtime: realtime) } catch {
            throw ValidationError("\(error)")
        }
        let writer = try HLSDirectoryWriter(directory: URL(fileURLWithPath: output))
        let session = TranscodeSession(
            profile: ladder, source: source, sink: writer,
            options: .init(maximumDurationSeconds: duration), logger: logger)
        LibAVRuntime.setVerbose(verbose)

        let signals = SignalForwarder(signals: [SIGINT, SIGTERM]) { signal in
            logger.notice("signal \(signal): finishing the open segments")
            session.stop()
        }
        let progress = quiet ? nil : ProgressLine(session: session, profile: ladder)
        progress?.start()
        let outcome = runOnOwnThread { try session.run() }
        progress?.stop()
        signals.cancel()

        if case .failure(let error) = outcome {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if let failure = writer.failure {
            FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
            throw ExitCode.failure
        }
        let counts = writer.segmentCounts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        print("wrote \(output)/master.m3u8 (segments: \(counts.joined(separator: ", ")))")
    }
}

/// Runs libav work on a dedicated thread (never on Swift's shared executor) and waits.
func runOnOwnThread(_ body: @escaping @Sendable () throws -> Void) -> Result<Void, Error> {
    let done = DispatchSemaphore(value: 0)
    let result = LockedBox<Result<Void, Error>>(.success(()))
    let thread = Thread {
        result.value = Result { try body() }
        done.signal()
    }
    thread.name = "session"
    thread.stackSize = 8 << 20
    thread.start()
    done.wait()
    return result.value
}
