import Synchronization

/// A monotonically increasing integer metric (Prometheus `counter`).
///
/// Lock-free: safe to increment from any thread, including NIO event loops.
public final class Counter: Sendable {
    private let storage = Atomic<UInt64>(0)

    /// Creates a counter starting at zero; usually obtained from a ``MetricFamily``.
    public init() {}

    /// Adds `amount` (default 1).
    @inlinable
    public func increment(by amount: UInt64 = 1) {
        self.add(amount)
    }

    @usableFromInline
    func add(_ amount: UInt64) {
        self.storage.wrappingAdd(amount, ordering: .relaxed)
    }

    /// The current value.
    public var value: UInt64 { self.storage.load(ordering: .relaxed) }
}
