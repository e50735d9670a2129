import Chunker
import Foundation
import Testing

/// Replays the fuzz corpus (and any crashers) kept in Corpus/: every input goes through every
/// scanner in random pieces and through the header parser; none may crash, and the chunks
/// must tile the input and not depend on the piece sizes.
@Suite struct CorpusTests {
    static let inputs: [(name: String, bytes: [UInt8])] = {
        guard let dir = Bundle.module.url(forResource: "Corpus", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil,
                options: [.skipsHiddenFiles])
        else { return [] }
        var result: [(String, [UInt8])] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            if let data = try? Data(contentsOf: file) { result.append((file.lastPathComponent, [UInt8](data))) }
        }
        return result
    }()

    @Test func corpusIsPresent() {
        #expect(Self.inputs.count >= 10)
    }

    @Test func corpusThroughEveryScanner() {
        var rng = SplitMix64(state: 77)
        for (name, bytes) in Self.inputs {
            for format in ChunkFormat.allCases {
                let whole = chunk(bytes, with: AnyChunker(format: format), pieces: [max(1, bytes.count)])
                let split = chunk(bytes, with: AnyChunker(format: format), pieces: randomSizes(&rng, max: 13))
                #expect(split.chunks == whole.chunks, "\(name) as \(format)")
                #expect(whole.chunks.reduce(0) { $0 + $1.lengthBytes } == UInt64(bytes.count), "\(name) as \(format)")
            }
            bytes.withUnsafeBytes { raw in
                _ = try? ChunkFrameHeader.parse(raw)
                _ = ChunkFormat.detect(raw)
                if raw.count > 0 {
                    _ = ByteScan.firstStartCode(raw.baseAddress!, from: 0, end: raw.count)
                    #expect(XXH3.hash64(raw) == XXH3.scalarHash64(raw))
                }
            }
        }
    }
}
