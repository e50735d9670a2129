/// A rational time base, as libav's `AVRational`: one tick lasts `numerator/denominator` seconds.
public struct TimeBase: Sendable, Hashable {
    /// Seconds per tick, numerator.
    public var numerator: Int32
    /// Seconds per tick, denominator.
    public var denominator: Int32

    /// Creates a time base of `numerator/denominator` seconds per tick.
    public init(numerator: Int32, denominator: Int32) {
        precondition(numerator > 0 && denominator > 0, "a time base must be positive")
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The 90 kHz clock of MPEG.
    public static let mpeg90kHz = TimeBase(numerator: 1, denominator: 90_000)
}

/// A presentation timestamp together with the time base it counts in.
public struct PresentationTime: Sendable, Hashable {
    /// Ticks of `timeBase`.
    public var value: Int64
    /// The unit of `value`.
    public var timeBase: TimeBase

    /// Creates a presentation time of `value` ticks of `timeBase`.
    public init(value: Int64, timeBase: TimeBase) {
        self.value = value
        self.timeBase = timeBase
    }

    /// The time in seconds.
    public var seconds: Double {
        Double(self.value) * Double(self.timeBase.numerator) / Double(self.timeBase.denominator)
    }

    /// The time in whole milliseconds, rounded down.
    public var milliseconds: Int64 {
        let numerator = Int64(self.timeBase.numerator) * 1_000
        let (product, overflow) = self.value.multipliedReportingOverflow(by: numerator)
        if overflow { return Int64(self.seconds * 1_000) }
        return product / Int64(self.timeBase.denominator)
    }
}
