import Logging
import NIOCore
import Relay
import Glibc

/// Synthetic streams: parts whose bytes say which part they are, so a test can check that
/// what came back is what was published.
enum Fixtures {
    static let timeBase = TimeBase(numerator: 1, denominator: 90_000)

    static func descriptor(name: String = "main", segmentSeconds: Double = 2, partSeconds: Double = 0.5) -> StreamDescriptor {
        StreamDescriptor(
            name: name, segmentTargetSeconds: segmentSeconds, partTargetSeconds: partSeconds,
            renditions: [
                .video(name: "720p", averageBandwidthBitsPerSecond: 2_500_000, peakBandwidthBitsPerSecond: 3_000_000,
                       width: 1280, height: 720, frameRate: 30, codecs: "vp09.00.31.08"),
                .video(name: "360p", averageBandwidthBitsPerSecond: 700_000, peakBandwidthBitsPerSecond: 900_000,
                       width: 640, height: 360, frameRate: 30, codecs: "vp09.00.21.08"),
                .audio(name: "audio", averageBandwidthBitsPerSecond: 96_000, peakBandwidthBitsPerSecond: 100_000, codecs: "opus"),
            ]
        )
    }

    /// The payload of part (msn, index): a header naming it, padded to `size`.
    static func payload(_ mediaSequence: Int, _ partIndex: Int, size: Int = 1_000) -> [UInt8] {
        var bytes = Array("part \(mediaSequence).\(partIndex);".utf8)
        while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: bytes.count)) }
        return Array(bytes.prefix(max(size, 1)))
    }

    static func part(_ mediaSequence: Int, _ partIndex: Int, size: Int = 1_000, partSeconds: Double = 0.5) -> ChunkPart {
        let ticks = Int64((Double(mediaSequence) * 4 + Double(partIndex)) * partSeconds * 90_000)
        return ChunkPart(
            mediaSequence: mediaSequence, partIndex: partIndex, durationSeconds: partSeconds, isIndependent: partIndex == 0,
            presentationTime: PresentationTime(value: ticks, timeBase: timeBase), bytes: payload(mediaSequence, partIndex, size: size)
        )
    }

    /// Publishes whole segments (4 parts each) to every rendition of `stream`.
    static func publish(
        _ store: ChunkStore, stream: String = "main", segments: Range<Int>, partsPerSegment: Int = 4, size: Int = 1_000,
        renditions: [String] = ["720p", "360p", "audio"], endSegments: Bool = true
    ) throws {
        for sequence in segments {
            for index in 0..<partsPerSegment {
                for rendition in renditions {
                    try store.appendPart(stream: stream, rendition: rendition, part: part(sequence, index, size: size))
                }
            }
            if endSegments {
                for rendition in renditions {
                    try store.endSegment(stream: stream, rendition: rendition, mediaSequence: sequence)
                }
            }
        }
    }

    static func store(configuration: ChunkStoreConfiguration = ChunkStoreConfiguration()) throws -> ChunkStore {
        let store = ChunkStore(configuration: configuration)
        try store.addStream(descriptor())
        for rendition in ["720p", "360p", "audio"] {
            try store.setInit(stream: "main", rendition: rendition, bytes: Array("init \(rendition)".utf8))
        }
        return store
    }

    static var logger: Logger {
        var logger = Logger(label: "relay-tests")
        logger.logLevel = .warning
        return logger
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// A started server on 127.0.0.1 with an ephemeral port, shut down by `close()`.
struct RunningServer {
    let server: HTTPServer
    let port: Int
    let store: ChunkStore
    let registry: MetricsRegistry

    static func start(
        store: ChunkStore, configure: (inout HTTPServerConfiguration) -> Void = { _ in }
    ) async throws -> RunningServer {
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.eventLoopThreads = 2
        configuration.maxBlockingWaitSeconds = 2
        configure(&configuration)
        let registry = MetricsRegistry()
        let server = HTTPServer(configuration: configuration, store: store, metrics: registry, logger: Fixtures.logger)
        let port = try await server.start()
        return RunningServer(server: server, port: port, store: store, registry: registry)
    }

    func client(timeoutSeconds: Int = 10) throws -> RawHTTPClient {
        try RawHTTPClient(port: self.port, timeoutSeconds: timeoutSeconds)
    }

    func close() async {
        await self.server.shutdown()
    }

    /// A client with a small receive buffer sends `count` pipelined GETs of `path` and reads
    /// nothing; returns it (to read the responses later) and the most response bytes the
    /// server held buffered over the next half second.
    func pipelineWithoutReading(_ path: String, count: Int) async throws -> (client: RawHTTPClient, peakBufferedBytes: Int) {
        let client = try RawHTTPClient(port: self.port, timeoutSeconds: 10, receiveBufferBytes: 64 * 1024)
        try client.send(String(repeating: "GET \(path) HTTP/1.1\r\nhost: x\r\n\r\n", count: count))
        var peak = 0
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(25))
            peak = max(peak, self.server.bufferedResponseBytes)
        }
        return (client, peak)
    }
}

/// Runs `body` against a started server and shuts the server down afterwards, whether the
/// body returned or threw.
func withRunningServer<Result>(
    store: ChunkStore, configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    _ body: (RunningServer) async throws -> Result
) async throws -> Result {
    let running = try await RunningServer.start(store: store, configure: configure)
    do {
        let result = try await body(running)
        await running.close()
        return result
    } catch {
        await running.close()
        throw error
    }
}
