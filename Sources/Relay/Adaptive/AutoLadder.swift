import Adaptation

/// The renditions an `auto` playlist chooses between, for one stream: its video renditions
/// (its audio ones for an audio-only stream) in ascending bit rate, as a selector's ladder.
final class AutoLadder: Sendable {
    /// Rendition names, index = ladder index (0 the lowest).
    let names: [String]
    /// Store positions of those renditions in the stream descriptor.
    let storeIndices: [Int]
    let bitrates: BitrateLadder
    let chunkSizes: ChunkSizeTable
    let segmentSeconds: Double
    let partSeconds: Double

    /// nil for a stream with no rendition to choose.
    init?(_ descriptor: StreamDescriptor) {
        let video = descriptor.renditions.indices.filter { descriptor.renditions[$0].kind == .video }
        let candidates = video.isEmpty ? Array(descriptor.renditions.indices) : video
        guard !candidates.isEmpty else { return nil }
        // Ascending by average bit rate, name as the tie-break; equal rates are nudged apart
        // because a ladder must ascend strictly.
        let sorted = candidates.sorted { a, b in
            let ra = descriptor.renditions[a], rb = descriptor.renditions[b]
            return (ra.averageBandwidthBitsPerSecond, ra.name) < (rb.averageBandwidthBitsPerSecond, rb.name)
        }
        var kbps: [Double] = []
        for index in sorted {
            var rate = max(1, Double(descriptor.renditions[index].averageBandwidthBitsPerSecond) / 1000)
            if let last = kbps.last, rate <= last { rate = last + 0.001 }
            kbps.append(rate)
        }
        guard let ladder = BitrateLadder(bitratesKbps: kbps) else { return nil }
        self.names = sorted.map { descriptor.renditions[$0].name }
        self.storeIndices = sorted
        self.bitrates = ladder
        self.chunkSizes = ChunkSizeTable(nominal: ladder, chunkDurationSeconds: descriptor.segmentTargetSeconds)
        self.segmentSeconds = descriptor.segmentTargetSeconds
        self.partSeconds = descriptor.partTargetSeconds
    }

    var count: Int { self.names.count }

    /// The ladder index of a rendition name, nil if it is not a candidate.
    func index(of name: some StringProtocol) -> Int? {
        // A handful of names: a scan beats hashing.
        self.names.firstIndex { $0.utf8.elementsEqual(name.utf8) }
    }
}
