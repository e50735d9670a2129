/// Which part and segment a timestamp belongs to, for one rendition's time base.
///
/// Parts are `partTicks` long and `partsPerSegment` make a segment; the global part number
/// of a timestamp is `floor(pts / partTicks)`. Video uses frame-index ticks, audio sample
/// ticks; both map the same presentation time to the same part, so parts line up across
/// renditions.
public struct PartClock: Sendable, Equatable {
    /// Ticks per part in the rendition's time base.
    public let partTicks: Int64
    public let partsPerSegment: Int

    public init(partTicks: Int64, partsPerSegment: Int) {
        precondition(partTicks > 0 && partsPerSegment > 0)
        self.partTicks = partTicks
        self.partsPerSegment = partsPerSegment
    }

    /// The global part number holding `pts` (negative timestamps belong to part 0).
    public func partNumber(at pts: Int64) -> Int64 { max(0, pts) / partTicks }

    /// The first tick after part `number`.
    public func end(ofPart number: Int64) -> Int64 { (number + 1) * partTicks }

    /// Media sequence number (segment) and index inside it of global part `number`.
    public func position(ofPart number: Int64) -> (mediaSequence: Int, partIndex: Int) {
        (Int(number / Int64(partsPerSegment)), Int(number % Int64(partsPerSegment)))
    }
}
