/// The rendition of every segment a ``PlayoutPlayer`` fetched, and what the parts of each
/// rendition weighed, from its ``PlayerLog``.
struct RenditionTimeline: CustomStringConvertible {
    /// Media sequence → rendition; a segment whose parts came from two renditions is in `mixed`.
    private(set) var renditions: [Int: String] = [:]
    private(set) var mixed: [Int] = []
    private var bytes: [String: Int] = [:]
    private var seconds: [String: Double] = [:]

    init(_ fetches: [PlayerLog.Fetch]) {
        for fetch in fetches {
            let msn = fetch.part.mediaSequence, name = fetch.part.rendition
            if let known = renditions[msn], known != name, !mixed.contains(msn) { mixed.append(msn) }
            renditions[msn] = renditions[msn] ?? name
            bytes[name, default: 0] += fetch.bytes
            seconds[name, default: 0] += fetch.part.durationSeconds
        }
    }

    /// The first segment after `msn` whose rendition satisfies `condition`.
    func first(after msn: Int, where condition: (String) -> Bool) -> Int? {
        renditions.keys.sorted().first { $0 > msn && condition(renditions[$0] ?? "") }
    }

    /// Segments after `from` up to `through` whose rendition fails `condition`.
    func violations(from: Int, through: Int, _ condition: (String) -> Bool) -> [Int] {
        renditions.keys.sorted().filter { $0 >= from && $0 <= through && !condition(renditions[$0] ?? "") }
    }

    /// Average bit rate of a rendition's parts as delivered (media bytes over media seconds).
    func measuredKbps(_ rendition: String) -> Double? {
        guard let seconds = seconds[rendition], seconds > 0 else { return nil }
        return Double(bytes[rendition] ?? 0) * 8 / 1000 / seconds
    }

    /// `msn:rendition` runs, e.g. `12-15 hi, 16-20 mid`.
    var description: String {
        var runs: [(Int, Int, String)] = []
        for msn in renditions.keys.sorted() {
            let name = renditions[msn] ?? "?"
            if let last = runs.last, last.2 == name, last.1 == msn - 1 {
                runs[runs.count - 1].1 = msn
            } else {
                runs.append((msn, msn, name))
            }
        }
        return runs.map { $0.0 == $0.1 ? "\($0.0) \($0.2)" : "\($0.0)-\($0.1) \($0.2)" }.joined(separator: ", ")
    }
}
