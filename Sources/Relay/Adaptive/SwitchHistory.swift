/// Which rendition an `auto` session serves each media sequence number from: the session's
/// switch points (first segment of each run on one rendition), newest last, at most
/// ``capacity`` of them, stored inline so a session's state has a fixed size.
///
/// A segment keeps the rendition it was first listed with: every reload of the playlist
/// names it by the same URI.
struct SwitchHistory {
    static let capacity = 16

    // (start media sequence, rendition index) pairs, ring-buffered.
    private var storage: (
        Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int,
        Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int
    ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private var next = 0
    /// Switch points held (0: nothing assigned yet).
    private(set) var count = 0
    /// The newest media sequence number assigned.
    private(set) var frontier = 0

    var isEmpty: Bool { self.count == 0 }

    /// Forgets everything.
    mutating func reset() {
        self.count = 0
        self.next = 0
        self.frontier = 0
    }

    /// Starts over: every segment from `mediaSequence` on is served from `rendition`.
    mutating func start(mediaSequence: Int, rendition: Int) {
        self.reset()
        self.append(mediaSequence: mediaSequence, rendition: rendition)
        self.frontier = mediaSequence
    }

    /// Assigns the next segment (`frontier + 1`, or any later one) to `rendition`; a change
    /// of rendition is a new switch point, dropping the oldest when full.
    mutating func assign(mediaSequence: Int, rendition: Int) {
        precondition(!self.isEmpty && mediaSequence > self.frontier, "assignments move forward")
        if rendition != self.current { self.append(mediaSequence: mediaSequence, rendition: rendition) }
        self.frontier = mediaSequence
    }

    /// The rendition of the newest assignment.
    var current: Int { self.point(age: 0).rendition }

    /// The oldest media sequence number still known.
    var oldestMediaSequence: Int { self.point(age: self.count - 1).mediaSequence }

    /// The rendition serving `mediaSequence`, nil when it is older than the history or not
    /// assigned yet.
    func rendition(at mediaSequence: Int) -> Int? {
        guard !self.isEmpty, mediaSequence <= self.frontier else { return nil }
        for age in 0..<self.count {
            let point = self.point(age: age)
            if point.mediaSequence <= mediaSequence { return point.rendition }
        }
        return nil
    }

    /// Switch point `age` steps back (0 is the newest).
    func point(age: Int) -> (mediaSequence: Int, rendition: Int) {
        precondition(age >= 0 && age < self.count)
        var slot = self.next - 1 - age
        if slot < 0 { slot += Self.capacity }
        return withUnsafeBytes(of: self.storage) { bytes in
            let stride = MemoryLayout<Int>.stride
            return (bytes.load(fromByteOffset: 2 * slot * stride, as: Int.self),
                    bytes.load(fromByteOffset: (2 * slot + 1) * stride, as: Int.self))
        }
    }

    private mutating func append(mediaSequence: Int, rendition: Int) {
        let slot = self.next
        withUnsafeMutableBytes(of: &self.storage) { bytes in
            let stride = MemoryLayout<Int>.stride
            bytes.storeBytes(of: mediaSequence, toByteOffset: 2 * slot * stride, as: Int.self)
            bytes.storeBytes(of: rendition, toByteOffset: (2 * slot + 1) * stride, as: Int.self)
        }
        self.next = self.next == Self.capacity - 1 ? 0 : self.next + 1
        if self.count < Self.capacity { self.count += 1 }
    }
}
