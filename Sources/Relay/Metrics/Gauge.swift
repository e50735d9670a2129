import Synchronization

/// A metric that can go up and down (Prometheus `gauge`), holding a `Double`.
///
/// Lock-free: the value is stored as its IEEE-754 bit pattern in an atomic word.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(0)

    /// Creates a gauge at zero; usually obtained from a ``MetricFamily``.
    public init() {}

    /// Replaces the value.
    public func set(_ value: Double) {
        self.bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Replaces the value with an integer.
    public func set(_ value: Int) {
        self.set(Double(value))
    }

    /// Adds `delta` (negative to subtract).
    public func add(_ delta: Double) {
        var current = self.bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + delta).bitPattern
            let (exchanged, original) = self.bits.weakCompareExchange(
                expected: current, desired: next, ordering: .relaxed
            )
            if exchanged { return }
            current = original
        }
    }

    /// The current value.
    public var value: Double { Double(bitPattern: self.bits.load(ordering: .relaxed)) }
}
