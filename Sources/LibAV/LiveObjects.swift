import Synchronization

/// Counts the frames and packets alive right now, so tests and metrics can see a leak.
/// One relaxed atomic add per object: nothing next to the work a frame carries.
public enum LiveObjects {
    static let frames = Atomic<Int>(0)
    static let packets = Atomic<Int>(0)

    /// `Frame`s not yet freed.
    public static var frameCount: Int { frames.load(ordering: .relaxed) }
    /// `Packet`s not yet freed.
    public static var packetCount: Int { packets.load(ordering: .relaxed) }
}
