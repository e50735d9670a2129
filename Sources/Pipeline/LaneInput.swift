import LibAV

/// What the decode thread hands an encoder lane.
enum LaneInput: ~Copyable, Sendable {
    /// A frame already placed on the timeline (pts in the lane's time base).
    case frame(Frame)
    /// The source reconnected: close the segment; for audio, restart the clock at this pts.
    case discontinuity(restartPts: Int64)
    /// No more input: drain and finish.
    case end
}
