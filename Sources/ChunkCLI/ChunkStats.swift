import Chunker

/// Counts for `--summary`.
struct ChunkStats {
    var chunkCount = 0
    var keyframeCount = 0
    var totalBytes: UInt64 = 0
    var minBytes = UInt64.max
    var maxBytes: UInt64 = 0
    var kinds: [ChunkKind: Int] = [:]

    mutating func add(_ c: Chunk) {
        chunkCount += 1
        if c.isKeyframe { keyframeCount += 1 }
        totalBytes += c.lengthBytes
        minBytes = min(minBytes, c.lengthBytes)
        maxBytes = max(maxBytes, c.lengthBytes)
        kinds[c.kind, default: 0] += 1
    }

    func summary(format: ChunkFormat, elapsedSeconds: Double) -> String {
        let mib = Double(totalBytes) / 1_048_576
        let rate = elapsedSeconds > 0 ? Double(totalBytes) / elapsedSeconds / 1e9 : 0
        let kindList = kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key) \($0.value)" }
            .joined(separator: ", ")
        let average = chunkCount > 0 ? totalBytes / UInt64(chunkCount) : 0
        return """
            format      \(format.rawValue)
            bytes       \(totalBytes) (\(formatSeconds(mib)) MiB)
            chunks      \(chunkCount) (\(kindList.isEmpty ? "none" : kindList))
            keyframes   \(keyframeCount)
            chunk bytes min \(chunkCount > 0 ? minBytes : 0), mean \(average), max \(maxBytes)
            elapsed     \(formatSeconds(elapsedSeconds)) s
            throughput  \(formatSeconds(rate)) GB/s (scan + XXH3-64)

            """
    }
}
