import CFFmpeg

/// A time base or rate as a fraction; a `pts` always travels with one.
public struct Rational: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var numerator: Int32
    public var denominator: Int32

    public init(_ numerator: Int32, _ denominator: Int32) {
        self.numerator = numerator
        self.denominator = denominator
    }

    init(_ value: AVRational) { self.init(value.num, value.den) }
    var av: AVRational { AVRational(num: numerator, den: denominator) }

    /// The value as a Double (0 when the denominator is 0).
    public var doubleValue: Double { denominator == 0 ? 0 : Double(numerator) / Double(denominator) }

    /// True for a usable time base or rate.
    public var isValid: Bool { numerator > 0 && denominator > 0 }

    public var description: String { "\(numerator)/\(denominator)" }

    /// Rescales `value` from this time base to `target`, rounding to nearest.
    public func rescale(_ value: Int64, to target: Rational) -> Int64 {
        av_rescale_q(value, av, target.av)
    }
}

/// The marker libav uses for "no timestamp".
public let noTimestamp: Int64 = mutstream_nopts()
