import Foundation
import Logging
import Pipeline
import Profiles
import Relay

/// One configured stream's transcoding session on its own thread, restartable on reload,
/// with the RTMP key gate in front of its source when it has one.
final class StreamRunner: @unchecked Sendable {
    // @unchecked: `session`, `gate` and `configuration` are immutable; the thread handle is
    // only used from the node's control path.
    let configuration: StreamConfig
    let session: TranscodeSession
    private let gate: RTMPKeyGate?
    private let finished = DispatchSemaphore(value: 0)
    private let logger: Logger

    /// `wrapSink` puts a sink in front of the store's (the mesh's signing, on an origin).
    init(configuration: StreamConfig, profile: Profile, store: ChunkStore, logger: Logger,
         wrapSink: (any MediaSink) -> any MediaSink = { $0 }) throws {
        self.configuration = configuration
        var streamLogger = logger
        streamLogger[metadataKey: "stream"] = "\(configuration.name)"
        self.logger = streamLogger
        let plan = try IngestSource.plan(for: configuration, internalPort: TCPSocket.freeLoopbackPort)
        // Bound here, so a taken port fails the stream before it is registered.
        gate = try plan.rtmpGate.map { try RTMPKeyGate(configuration: $0, logger: streamLogger) }
        session = TranscodeSession(
            profile: profile, source: plan.source,
            sink: wrapSink(StoreSink(stream: configuration.name, store: store, logger: streamLogger)),
            logger: streamLogger)
    }

    var name: String { configuration.name }

    /// Starts the session on its own thread (libav never runs on the shared executor).
    func start() {
        gate?.start()
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
        // The gate first: its port is free again and no push is mid-relay when the session ends.
        gate?.stop()
        session.stop()
        let done = finished.wait(timeout: .now() + timeoutSeconds) == .success
        if done { finished.signal() }  // stays signalled for later waiters
        return done
    }
}
