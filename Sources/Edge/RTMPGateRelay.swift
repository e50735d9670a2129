import Foundation
import Logging
import Synchronization

/// One push through the RTMP key gate, on its own thread: connects to the transcoder's
/// internal listener, then copies bytes both ways, client bytes only as far as the sniffer
/// releases them until the `publish` is verified.
final class RTMPGateRelay: Sendable {
    private let configuration: RTMPKeyGate.Configuration
    private let client: TCPSocket
    private let remoteAddress: String
    private let logger: Logger
    private let upstream = Mutex<TCPSocket?>(nil)
    private let closed = Atomic<Bool>(false)

    private enum Outcome {
        case refused(RTMPRefusal)
        case stopped
        case clientLeft(verified: Bool)
        case transcoderLeft
        case failed(SocketError)
    }

    init(configuration: RTMPKeyGate.Configuration, client: TCPSocket, remoteAddress: String, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.remoteAddress = remoteAddress
        self.logger = logger
    }

    /// Relays until either side leaves, the push is refused, or `close()`.
    func run() {
        let outcome = relay()
        close()
        let stream = configuration.stream
        switch outcome {
        case .refused(let reason): refuse(reason)
        case .stopped: break
        case .clientLeft(let verified):
            if verified { logger.info("RTMP push to stream \(stream) from \(remoteAddress) ended") }
            else { logger.info("RTMP connection to stream \(stream) from \(remoteAddress) closed before publishing") }
        case .transcoderLeft: logger.info("RTMP push to stream \(stream) from \(remoteAddress): the transcoder closed the connection")
        case .failed(let error): logger.info("RTMP push to stream \(stream) from \(remoteAddress) ended: \(error)")
        }
    }

    /// Closes the connection and logs why (also for pushes never relayed).
    func refuse(_ reason: RTMPRefusal) {
        close()
        logger.warning("RTMP push to stream \(configuration.stream) refused: \(reason) from \(remoteAddress)")
    }

    /// Ends both sides; wakes the relay thread if it is blocked.
    func close() {
        closed.store(true, ordering: .releasing)
        client.shutdownBoth()
        upstream.withLock { $0?.shutdownBoth() }
    }

    private var isClosed: Bool { closed.load(ordering: .acquiring) }

    private func relay() -> Outcome {
        let deadline = Date().addingTimeInterval(configuration.verifyTimeoutSeconds)
        guard let transcoder = connectToTranscoder(until: deadline) else {
            return isClosed ? .stopped : .refused(.ingestUnavailable)
        }
        var sniffer = RTMPHandshakeSniffer(expectedApp: configuration.app, streamKey: configuration.streamKey,
                                           byteLimit: configuration.byteLimitBeforePublish)
        var held: [UInt8] = []  // client bytes received but not yet released
        var releasedBytes = 0
        var verified = false
        do {
            while true {
                if isClosed { return .stopped }
                if !verified, Date() > deadline { return .refused(.timedOut(seconds: configuration.verifyTimeoutSeconds)) }
                let ready = try TCPSocket.poll([client, transcoder], timeoutMilliseconds: 200)
                if ready[0] {
                    let bytes = try client.receive()
                    if bytes.isEmpty { return .clientLeft(verified: verified) }
                    if verified {
                        try transcoder.send(bytes[...])
                    } else {
                        held.append(contentsOf: bytes)
                        switch sniffer.feed(bytes) {
                        case .needMore:
                            break
                        case .forwardUpTo(let offset):
                            let count = offset - releasedBytes
                            try transcoder.send(held[..<count])
                            held.removeFirst(count)
                            releasedBytes = offset
                        case .verified:
                            try transcoder.send(held[...])
                            held = []
                            verified = true
                            logger.info("RTMP push to stream \(configuration.stream) accepted from \(remoteAddress)")
                        case .refused(let reason):
                            return .refused(reason)
                        }
                    }
                }
                if ready[1] {
                    let bytes = try transcoder.receive()
                    if bytes.isEmpty { return .transcoderLeft }
                    try client.send(bytes[...])
                }
            }
        } catch {
            return isClosed ? .stopped : .failed(error)
        }
    }

    /// The transcoder reopens its listener with backoff after each push: retry until `deadline`.
    private func connectToTranscoder(until deadline: Date) -> TCPSocket? {
        while !isClosed {
            if let socket = try? TCPSocket.connect(host: "127.0.0.1", port: configuration.internalPort) {
                upstream.withLock { $0 = socket }
                // close() may have run between the connect and the store.
                if isClosed { socket.shutdownBoth() }
                return socket
            }
            if Date() > deadline { return nil }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }
}
