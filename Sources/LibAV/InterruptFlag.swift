import CFFmpeg
import Synchronization

/// A stop switch that blocking libav I/O polls: set it and a pending read or open returns
/// promptly with an "interrupted" error instead of waiting for the network.
public final class InterruptFlag: Sendable {
    private let stopped = Atomic<Bool>(false)
    // Nanoseconds on the monotonic clock after which I/O is abandoned; 0 for none.
    private let deadlineNanoseconds = Atomic<UInt64>(0)

    public init() {}

    /// Makes every blocking call using this flag return as soon as it polls.
    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// Clears the stop request.
    public func reset() { stopped.store(false, ordering: .relaxed) }

    public var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Arms a watchdog: I/O blocked longer than `seconds` from now is interrupted (stall
    /// detection for live sources). Call again on progress; pass nil to disarm.
    public func armDeadline(secondsFromNow seconds: Double?) {
        guard let seconds else { deadlineNanoseconds.store(0, ordering: .relaxed); return }
        deadlineNanoseconds.store(Self.nowNanoseconds() + UInt64(seconds * 1e9), ordering: .relaxed)
    }

    /// True when a stop was requested or the deadline passed.
    var shouldInterrupt: Bool {
        if isStopped { return true }
        let deadline = deadlineNanoseconds.load(ordering: .relaxed)
        return deadline != 0 && Self.nowNanoseconds() > deadline
    }

    /// True when the deadline (not a stop) is what interrupts.
    public var deadlinePassed: Bool {
        let deadline = deadlineNanoseconds.load(ordering: .relaxed)
        return deadline != 0 && Self.nowNanoseconds() > deadline
    }

    static func nowNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// The C callback record libav polls.
    var callback: AVIOInterruptCB {
        AVIOInterruptCB(
            callback: { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<InterruptFlag>.fromOpaque(opaque).takeUnretainedValue().shouldInterrupt ? 1 : 0
            },
            opaque: Unmanaged.passUnretained(self).toOpaque()
        )
    }
}
