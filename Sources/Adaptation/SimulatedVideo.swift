/// The video a simulation streams: its ladder, chunk count and per-chunk sizes.
public struct SimulatedVideo: Sendable {
    /// Sizes of every chunk at every rendition (and the ladder and chunk duration).
    public let chunkSizes: ChunkSizeTable
    /// Chunks in the video.
    public let chunkCount: Int

    /// A video of `chunkCount` chunks; nil when the table knows fewer chunks than that.
    public init?(chunkSizes: ChunkSizeTable, chunkCount: Int) {
        guard chunkCount > 0, chunkSizes.knownChunkCount >= chunkCount else { return nil }
        self.chunkSizes = chunkSizes
        self.chunkCount = chunkCount
    }

    /// The renditions.
    public var ladder: BitrateLadder { chunkSizes.ladder }

    /// The standard model's video: 48 chunks of 4 s over ``BitrateLadder/standard``, with the
    /// sizes from `video_size_0` … `video_size_5` (`texts[q]` is the file for rendition q,
    /// `names[q]` its name for errors).
    public static func standard(sizeTableTexts texts: [String], names: [String]) throws(TraceError) -> SimulatedVideo {
        let ladder = BitrateLadder.standard
        let chunkCount = 48
        var rows: [[Double]] = []
        for (q, text) in texts.enumerated() {
            let name = q < names.count ? names[q] : "video_size_\(q)"
            let row = try parseSizeTable(name: name, text: text)
            guard row.count >= chunkCount else {
                throw .tooFewChunks(table: name, found: row.count, needed: chunkCount)
            }
            rows.append(Array(row.prefix(chunkCount)))
        }
        guard rows.count == ladder.count,
              let table = ChunkSizeTable(ladder: ladder, chunkDurationSeconds: 4, bytesByRendition: rows),
              let video = SimulatedVideo(chunkSizes: table, chunkCount: chunkCount)
        else { throw .tooFewChunks(table: "video sizes", found: rows.count, needed: ladder.count) }
        return video
    }

    /// Parses a chunk-size table: one byte count per line, chunk k on line k.
    public static func parseSizeTable(name: String, text: String) throws(TraceError) -> [Double] {
        var sizes: [Double] = []
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let field = line.filter { $0 != "\r" && $0 != " " && $0 != "\t" }
            if field.isEmpty { continue }
            guard let n = Int(field), n >= 0 else {
                throw .malformedChunkSize(table: name, line: lineNumber, content: String(line.prefix(80)))
            }
            sizes.append(Double(n))
        }
        return sizes
    }
}
