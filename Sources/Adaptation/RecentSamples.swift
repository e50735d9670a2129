/// The most recent values of one quantity, at most `capacity` of them, stored inline.
///
/// Per-peer estimator state is built from these so that it has a fixed size and recording a
/// sample never allocates.
public struct RecentSamples: Sendable {
    /// How many values are kept; older ones are overwritten.
    public static let capacity = 16

    private var storage: (Double, Double, Double, Double, Double, Double, Double, Double,
                          Double, Double, Double, Double, Double, Double, Double, Double)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private var next = 0
    /// Number of values held, up to `capacity`.
    public private(set) var count = 0

    /// An empty ring.
    public init() {}

    /// Records `value` as the newest, dropping the oldest when full.
    public mutating func append(_ value: Double) {
        let slot = next
        withUnsafeMutableBytes(of: &storage) {
            $0.storeBytes(of: value, toByteOffset: slot &* MemoryLayout<Double>.stride, as: Double.self)
        }
        next = next == Self.capacity - 1 ? 0 : next + 1
        if count < Self.capacity { count += 1 }
    }

    /// The value recorded `age` samples ago: 0 is the newest. `age` must be below `count`.
    public subscript(age age: Int) -> Double {
        precondition(age >= 0 && age < count, "sample age out of range")
        var slot = next - 1 - age
        if slot < 0 { slot += Self.capacity }
        return withUnsafeBytes(of: storage) {
            $0.load(fromByteOffset: slot &* MemoryLayout<Double>.stride, as: Double.self)
        }
    }

    /// The newest value, if any.
    public var newest: Double? { count > 0 ? self[age: 0] : nil }

    /// Harmonic mean of the newest `limit` values (fewer if fewer are held); nil when empty
    /// or when any of them is not positive.
    public func harmonicMean(newest limit: Int) -> Double? {
        let n = min(limit, count)
        guard n > 0 else { return nil }
        var reciprocalSum = 0.0
        for age in 0..<n {
            let v = self[age: age]
            guard v > 0 else { return nil }
            reciprocalSum += 1 / v
        }
        return Double(n) / reciprocalSum
    }

    /// Largest of the newest `limit` values; nil when empty.
    public func maximum(newest limit: Int) -> Double? {
        let n = min(limit, count)
        guard n > 0 else { return nil }
        var m = self[age: 0]
        for age in 1..<n { m = Swift.max(m, self[age: age]) }
        return m
    }
}
