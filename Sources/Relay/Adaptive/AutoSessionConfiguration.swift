import Adaptation

/// Settings of the adaptive `auto` playlists (``AutoSessionTable``).
public struct AutoSessionConfiguration: Sendable, Hashable {
    /// Most sessions held; past it the least recently seen one is dropped.
    public var maxSessions: Int = 10_000
    /// A session not seen (no playlist or media request) for this long is dropped.
    public var idleTimeoutSeconds: Double = 30
    /// The rendition-choice algorithm each session runs.
    public var selector: SelectorKind = .mutstream
    /// A new session starts on the highest rendition at or below this bit rate (the lowest
    /// when none is), unless the player's CMCD `mtp` says more.
    public var initialBitrateKbps: Double = 1_000
    /// The player's buffer, in seconds, when it reports none (CMCD `bl`); nil assumes one
    /// segment target, about where an LL-HLS player sits behind the live edge.
    public var assumedBufferSeconds: Double? = nil
    /// `TCP_NOTSENT_LOWAT` set on a connection once it carries a session's media, so that a
    /// response's send time measures the path (0 leaves the socket alone).
    public var notSentLowWaterMarkBytes: Int = 16 * 1024
    /// A delivery that moved fewer bytes than this through the path is not a throughput
    /// sample (it fitted the socket buffers); its `TCP_INFO` is still used.
    public var minimumSampleBytes: Int = 16 * 1024

    /// The defaults: 10,000 sessions, 30 s idle, the Mutstream controller.
    public init() {}
}
