import Foundation
import Logging
import Pipeline
import Profiles
import Relay

/// One configured stream's transcoding session on its own thread, restartable on reload.
final class StreamRunner: @unchecked Sendable {
    // @unchecked: `session` and `configuration` are immutable; the thread handle is only
    // used from the node's control path.
    let configuration: StreamConfig
    let session: TranscodeSession
    private let finished = DispatchSemaphore(value: 0)
    private let logger: Logger

    init(configuration: StreamConfig, profile: Profile, store: ChunkStore, logger: Logger) throws {
        self.configuration = configuration
        var streamLogger = logger
        streamLogger[metadataKey: "stream"] = "\(configuration.name)"
        self.logger = streamLogger
        let source = try IngestSource.spec(for: configuration)
        session = TranscodeSession(
            profile: profile, source: source, sink: StoreSink(stream: configuration.name, store: store, logger: streamLogger),
            logger: streamLogger)
    }

    var name: String { configuration.name }

    /// Starts the session on its own thread (libav never runs on the shared executor).
    func start() {
        let thread = Thread { [self] in
            do { try session.run() } catch { logger.error("stream \(name) stopped: \(error)") }
            finished.signal()
        }
        thread.name = "stream-\(name)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Asks the session to finish its open segments and waits up to `timeoutSeconds`.
    @discardableResult
    func stop(timeoutSeconds: Double = 10) -> Bool {
        session.stop()
        let done = finished.wait(timeout: .now() + timeoutSeconds) == .success
        if done { finished.signal() }  // stays signalled for later waiters
        return done
    }
}
