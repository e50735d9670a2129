import Synchronization

/// A distribution over fixed buckets (Prometheus `histogram`).
///
/// Bucket bounds are fixed at creation, so observing is a short search plus two atomic
/// adds: no allocation, no lock.
public final class Histogram: Sendable {
    /// Upper bounds of the buckets, ascending, without `+Inf`.
    public let upperBounds: [Double]
    // One non-cumulative count per bound plus the overflow (+Inf) bucket; cumulated when
    // rendered so that observing touches a single counter.
    private let bucketCounts: [Counter]
    private let sumBits = Atomic<UInt64>(0)

    /// Creates a histogram with the given ascending upper bounds.
    public init(upperBounds: [Double]) {
        precondition(!upperBounds.isEmpty, "a histogram needs at least one bucket")
        precondition(zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 }, "buckets must ascend")
        self.upperBounds = upperBounds
        self.bucketCounts = (0...upperBounds.count).map { _ in Counter() }
    }

    /// Records one observation.
    public func observe(_ value: Double) {
        // Buckets are few (about a dozen): a linear scan beats a binary search here.
        var index = 0
        while index < self.upperBounds.count && value > self.upperBounds[index] {
            index += 1
        }
        self.bucketCounts[index].add(1)
        var current = self.sumBits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + value).bitPattern
            let (exchanged, original) = self.sumBits.weakCompareExchange(
                expected: current, desired: next, ordering: .relaxed
            )
            if exchanged { return }
            current = original
        }
    }

    /// Cumulative counts per upper bound, the last entry being `+Inf` (the total count).
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return self.bucketCounts.map { counter in
            running &+= counter.value
            return running
        }
    }

    /// The sum of all observed values.
    public var sum: Double { Double(bitPattern: self.sumBits.load(ordering: .relaxed)) }

    /// Buckets for request latencies in seconds: 0.5 ms … 10 s.
    public static let latencySecondsBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
}
