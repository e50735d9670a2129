import Glibc
import Relay

/// Time from `appendPart` returning to the first response byte of a request that was
/// already waiting for that part (the preload hint), against the same client's first-byte
/// time for a part that already exists (the reference), interleaved.
func measureTimeToFirstByte(samples: Int, partBytes: Int) async throws {
    let store = ChunkStore(configuration: ChunkStoreConfiguration(windowSegments: 4))
    try store.addStream(Synthetic.descriptor())
    try store.appendPart(stream: Synthetic.stream, rendition: Synthetic.rendition, part: Synthetic.part(index: 0, size: partBytes))
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.eventLoopThreads = 2
    let server = HTTPServer(configuration: configuration, store: store, metrics: MetricsRegistry(), logger: Synthetic.logger)
    let port = try await server.start()
    let client = try BenchClient(port: port)

    var blocking: [Double] = []
    var immediate: [Double] = []
    for index in 1...samples {
        // Reference: the newest part, already there.
        let existing = Synthetic.path(index: index - 1)
        var start = Synthetic.monotonicNanoseconds()
        try client.send("GET \(existing) HTTP/1.1\r\nhost: bench\r\n\r\n")
        try client.awaitFirstByte()
        immediate.append(Double(Synthetic.monotonicNanoseconds() - start) / 1e6)
        try client.drainResponse()

        // Blocking: ask for the next part, wait until the server has parked the request,
        // then publish it and time the first byte.
        try client.send("GET \(Synthetic.path(index: index)) HTTP/1.1\r\nhost: bench\r\n\r\n")
        while store.statistics().first?.waiters != 1 {
            usleep(100)
        }
        start = Synthetic.monotonicNanoseconds()
        try store.appendPart(stream: Synthetic.stream, rendition: Synthetic.rendition, part: Synthetic.part(index: index, size: partBytes))
        try client.awaitFirstByte()
        blocking.append(Double(Synthetic.monotonicNanoseconds() - start) / 1e6)
        try client.drainResponse()
    }
    await server.shutdown()

    func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
    }
    let blockingP50 = percentile(blocking, 0.5), blockingP99 = percentile(blocking, 0.99)
    let immediateP50 = percentile(immediate, 0.5), immediateP99 = percentile(immediate, 0.99)
    print("ttfb samples=\(samples) part_bytes=\(partBytes)")
    print("ttfb blocking_part  p50_ms=\(format(blockingP50)) p99_ms=\(format(blockingP99))")
    print("ttfb existing_part  p50_ms=\(format(immediateP50)) p99_ms=\(format(immediateP99))")
    print("ttfb ratio blocking/existing p50=\(format(blockingP50 / immediateP50)) p99=\(format(blockingP99 / immediateP99))")
    print("ttfb goal p99 <= 5 ms: \(blockingP99 <= 5 ? "met" : "NOT met")")
}

func format(_ value: Double) -> String {
    let scaled = Int((value * 1000).rounded())
    let fraction = String(scaled % 1000)
    return "\(scaled / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}
