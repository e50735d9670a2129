import Glibc
import Logging
import Relay

/// The synthetic stream both servers deliver: one rendition, 4 parts a segment.
enum Synthetic {
    static let stream = "main"
    static let rendition = "720p"
    static let partsPerSegment = 4
    static let partSeconds = 0.5

    static func descriptor() -> StreamDescriptor {
        StreamDescriptor(
            name: stream, segmentTargetSeconds: 2, partTargetSeconds: partSeconds,
            renditions: [
                .video(name: rendition, averageBandwidthBitsPerSecond: 1_000_000, peakBandwidthBitsPerSecond: 1_200_000,
                       width: 1280, height: 720, frameRate: 30, codecs: "vp09.00.31.08", audioGroup: nil),
            ]
        )
    }

    static func bytes(index: Int, size: Int) -> [UInt8] {
        var state = UInt64(index &+ 1) &* 0x9E37_79B9_7F4A_7C15
        return (0..<size).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    static func position(_ index: Int) -> (mediaSequence: Int, partIndex: Int) {
        (index / partsPerSegment, index % partsPerSegment)
    }

    static func part(index: Int, size: Int) -> ChunkPart {
        let (sequence, partIndex) = position(index)
        return ChunkPart(
            mediaSequence: sequence, partIndex: partIndex, durationSeconds: partSeconds, isIndependent: partIndex == 0,
            presentationTime: PresentationTime(value: Int64(index) * 45_000, timeBase: .mpeg90kHz), bytes: bytes(index: index, size: size)
        )
    }

    static func path(index: Int) -> String {
        let (sequence, partIndex) = position(index)
        return "/live/\(stream)/\(rendition)/part\(sequence).\(partIndex).m4s"
    }

    static var logger: Logger {
        var logger = Logger(label: "relay-bench")
        logger.logLevel = .warning
        return logger
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// Serves `partCount` parts until standard input closes (the script holds it open).
func serve(port: Int, partBytes: Int, partCount: Int) async throws {
    let store = ChunkStore(configuration: ChunkStoreConfiguration(windowSegments: max(2, partCount / Synthetic.partsPerSegment + 1)))
    try store.addStream(Synthetic.descriptor())
    for index in 0..<partCount {
        try store.appendPart(stream: Synthetic.stream, rendition: Synthetic.rendition, part: Synthetic.part(index: index, size: partBytes))
    }
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port)
    configuration.eventLoopThreads = 2
    let server = HTTPServer(configuration: configuration, store: store, metrics: MetricsRegistry(), logger: Synthetic.logger)
    let bound = try await server.start()
    // One line the script waits for; print flushes at the newline only on a terminal, so write(2).
    let line = Array("listening \(bound)\n".utf8)
    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    // Blocking read on a plain thread-pool thread is fine here: nothing else needs it.
    while readLine() != nil {}
    await server.shutdown()
}

/// Writes the parts `serve` would deliver as files under `directory`, same paths.
func export(directory: String, partBytes: Int, partCount: Int) throws {
    for index in 0..<partCount {
        let path = directory + Synthetic.path(index: index)
        let folder = String(path[..<path.lastIndex(of: "/")!])
        _ = folder.split(separator: "/").reduce("") { prefix, component in
            let next = prefix + "/" + component
            mkdir(next, 0o755)
            return next
        }
        guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
        let bytes = Synthetic.bytes(index: index, size: partBytes)
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        fclose(file)
    }
}
