/// Small formatters for playlist text: fixed-point decimals and ISO 8601 dates, without
/// Foundation's formatters (slow and locale-sensitive).
extension String {
    /// Appends `value` with exactly `fractionDigits` digits after the point, rounded.
    mutating func appendDecimal(_ value: Double, fractionDigits: Int = 3) {
        var scale: Int64 = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        let scaled = Int64((value * Double(scale)).rounded())
        let sign = scaled < 0 ? "-" : ""
        let magnitude = scaled.magnitude
        self += sign
        self += String(magnitude / UInt64(scale))
        guard fractionDigits > 0 else { return }
        self += "."
        let fraction = String(magnitude % UInt64(scale))
        self += String(repeating: "0", count: fractionDigits - fraction.count)
        self += fraction
    }

    /// Appends an ISO 8601 UTC date with milliseconds, e.g. `2026-05-01T12:00:00.123Z`.
    mutating func appendISO8601(millisecondsSinceEpoch: Int64) {
        let millisecondsPerDay: Int64 = 86_400_000
        var days = millisecondsSinceEpoch / millisecondsPerDay
        var withinDay = millisecondsSinceEpoch % millisecondsPerDay
        if withinDay < 0 {
            withinDay += millisecondsPerDay
            days -= 1
        }
        // Days since 1970-01-01 to a proleptic Gregorian civil date (Howard Hinnant's
        // well-known algorithm, written out from its description).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.appendPadded(year, width: 4)
        self += "-"
        self.appendPadded(month, width: 2)
        self += "-"
        self.appendPadded(day, width: 2)
        self += "T"
        self.appendPadded(withinDay / 3_600_000, width: 2)
        self += ":"
        self.appendPadded(withinDay / 60_000 % 60, width: 2)
        self += ":"
        self.appendPadded(withinDay / 1_000 % 60, width: 2)
        self += "."
        self.appendPadded(withinDay % 1_000, width: 3)
        self += "Z"
    }

    private mutating func appendPadded(_ value: Int64, width: Int) {
        let digits = String(value)
        if digits.count < width { self += String(repeating: "0", count: width - digits.count) }
        self += digits
    }
}

extension String {
    /// Appends a segment's media lines: its `EXT-X-PART` lines when `withParts`, then its
    /// `EXTINF` and URI once complete. `uriPrefix` locates the rendition's media relative to
    /// the playlist (empty for its own playlist, `../NAME/` for an `auto` one).
    mutating func appendSegmentLines(_ segment: StoredSegment, withParts: Bool, uriPrefix: String) {
        if withParts {
            for part in segment.parts {
                self += "#EXT-X-PART:DURATION="
                self.appendDecimal(part.durationSeconds, fractionDigits: 5)
                self += ",URI=\"\(uriPrefix)part\(part.mediaSequence).\(part.partIndex).m4s\""
                if part.isIndependent { self += ",INDEPENDENT=YES" }
                self += "\n"
            }
        }
        if segment.isComplete {
            self += "#EXTINF:"
            self.appendDecimal(segment.durationSeconds, fractionDigits: 5)
            self += ",\n\(uriPrefix)seg\(segment.mediaSequence).m4s\n"
        }
    }
}
