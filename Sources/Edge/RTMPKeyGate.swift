import Foundation
import Logging
import Synchronization

/// Stands in front of libavformat's RTMP listener for a stream with an `ingest_key`
/// (libavformat's RTMP server accepts any app and any stream name). It listens on the
/// stream's public address and relays each push to the transcoder's internal loopback
/// listener, releasing the client's bytes only as far as `RTMPHandshakeSniffer` allows:
/// a push whose `publish` does not name the key, whose `connect` names another app, or
/// that presents nothing valid in time is closed and logged. One push at a time.
final class RTMPKeyGate: Sendable {
    /// Where the gate listens, what it checks, and where it relays.
    struct Configuration: Sendable, Equatable {
        var stream: String
        /// Public listening address (from the stream's `source:`).
        var host: String
        var port: Int
        /// The application the publisher must `connect` to.
        var app: String
        /// The stream name the publisher must `publish`.
        var streamKey: String
        /// The transcoder's listener on 127.0.0.1.
        var internalPort: Int
        var verifyTimeoutSeconds: Double = 10
        var byteLimitBeforePublish = RTMPHandshakeSniffer.defaultByteLimit
    }

    let configuration: Configuration
    private let listener: TCPSocket
    private let logger: Logger
    private let state = Mutex(State())
    private let acceptLoopEnded = DispatchSemaphore(value: 0)

    private struct State {
        var started = false
        var stopped = false
        var relays: [Int: RTMPGateRelay] = [:]
        var nextRelayID = 0
    }

    /// Binds the public address now, so a taken port fails the stream's start.
    init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        listener = try TCPSocket.listen(host: configuration.host, port: configuration.port)
    }

    /// Starts accepting pushes on the gate's own thread.
    func start() {
        let startNow = state.withLock { state in
            defer { state.started = true }
            return !state.started && !state.stopped
        }
        guard startNow else { return }
        let thread = Thread { [self] in
            acceptLoop()
            acceptLoopEnded.signal()
        }
        thread.name = "rtmp-gate-\(configuration.stream)"
        thread.start()
        logger.info("RTMP ingest for stream \(configuration.stream) on \(configuration.host):\(configuration.port), app \(configuration.app), key required")
    }

    /// Closes the listener and every connection; returns once the port is free again.
    func stop() {
        let (wasRunning, relays) = state.withLock { state in
            defer { state.stopped = true; state.relays = [:] }
            return (state.started && !state.stopped, Array(state.relays.values))
        }
        listener.shutdownBoth()
        for relay in relays { relay.close() }
        // The accept loop polls in short steps; once it has left, nothing uses the listener.
        if wasRunning, acceptLoopEnded.wait(timeout: .now() + 5) == .timedOut {
            logger.warning("RTMP gate of stream \(configuration.stream) did not stop within 5 s")
            return
        }
        listener.close()
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        while !isStopped {
            let accepted: (socket: TCPSocket, remoteAddress: String)?
            do { accepted = try listener.accept(timeoutMilliseconds: 200) } catch {
                if isStopped { return }
                logger.warning("RTMP gate of stream \(configuration.stream): \(error)")
                Thread.sleep(forTimeInterval: 0.2)
                continue
            }
            guard let (client, remoteAddress) = accepted else { continue }
            admit(client, from: remoteAddress)
        }
    }

    private func admit(_ client: TCPSocket, from remoteAddress: String) {
        let relay = RTMPGateRelay(configuration: configuration, client: client, remoteAddress: remoteAddress, logger: logger)
        let admitted: Int? = state.withLock { state in
            // The transcoder takes one publisher; a second push would only queue behind it.
            guard !state.stopped, state.relays.isEmpty else { return nil }
            let id = state.nextRelayID
            state.nextRelayID += 1
            state.relays[id] = relay
            return id
        }
        guard let id = admitted else {
            relay.refuse(.publisherBusy)
            return
        }
        let thread = Thread { [self] in
            relay.run()
            _ = state.withLock { $0.relays.removeValue(forKey: id) }
        }
        thread.name = "rtmp-relay-\(configuration.stream)"
        thread.start()
    }
}
