/// Puts decoded video frames on the shared constant-frame-rate timeline.
///
/// Every rendition is encoded at the profile's frame rate with `pts` = frame index, so that
/// segment boundaries (every `framesPerSegment` frames) fall at the same presentation time
/// in every rendition. A source frame at time `t` covers output indices up to
/// `round(t × fps)`: frames are duplicated to fill gaps and dropped when the source is
/// faster. Forward jumps of more than `maximumJumpSeconds` (a timestamp reset, a wrap) and
/// any backward jump (a splice) re-anchor instead of emitting a flood of duplicates or
/// dropping frames. A pure state machine.
public struct FrameTimeline: Sendable, Equatable {
    public let framesPerSecond: Int
    public let framesPerSegment: Int
    public let maximumJumpSeconds: Double
    /// How far behind the timeline a frame may land and still count as a drop, not a jump.
    static let backwardToleranceFrames: Int64 = 2
    /// The next output index to emit.
    public private(set) var nextIndex: Int64 = 0
    // Source time ↔ output index of the current connection's first frame.
    private var anchor: (sourceSeconds: Double, index: Int64)?

    public init(framesPerSecond: Int, framesPerSegment: Int, maximumJumpSeconds: Double = 2) {
        self.framesPerSecond = framesPerSecond
        self.framesPerSegment = framesPerSegment
        self.maximumJumpSeconds = maximumJumpSeconds
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.nextIndex == rhs.nextIndex && lhs.framesPerSecond == rhs.framesPerSecond
            && lhs.anchor?.sourceSeconds == rhs.anchor?.sourceSeconds && lhs.anchor?.index == rhs.anchor?.index
    }

    /// The output indices a source frame at `sourceSeconds` fills (possibly none).
    public mutating func place(sourceSeconds: Double) -> Range<Int64> {
        guard let anchor else {
            self.anchor = (sourceSeconds, nextIndex)
            return advance(to: nextIndex)
        }
        let offset = sourceSeconds - anchor.sourceSeconds
        let target = anchor.index + Int64((offset * Double(framesPerSecond)).rounded())
        let jump = Double(target - nextIndex) / Double(framesPerSecond)
        // A source faster than the profile lands at most a frame behind; anything further back
        // is the source's clock going backwards (a splice, an encoder restart): continue from
        // here rather than dropping frames until the clock catches up.
        if jump > maximumJumpSeconds || target < nextIndex - Self.backwardToleranceFrames {
            self.anchor = (sourceSeconds, nextIndex)
            return advance(to: nextIndex)
        }
        return target < nextIndex ? nextIndex..<nextIndex : advance(to: target)
    }

    /// A new connection of the source starts: its clock is unrelated to the previous one,
    /// and its first frame opens a new segment (so it can be marked as a discontinuity).
    /// Returns the index where the new segment starts.
    @discardableResult
    public mutating func startNewSegmentAfterDiscontinuity() -> Int64 {
        anchor = nil
        let segment = Int64(framesPerSegment)
        nextIndex = (nextIndex + segment - 1) / segment * segment
        return nextIndex
    }

    /// True when `index` begins a segment (the frame must be a keyframe in every rendition).
    public func startsSegment(_ index: Int64) -> Bool { index % Int64(framesPerSegment) == 0 }

    private mutating func advance(to target: Int64) -> Range<Int64> {
        defer { nextIndex = target + 1 }
        return nextIndex..<(target + 1)
    }
}
