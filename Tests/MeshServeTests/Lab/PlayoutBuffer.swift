import Foundation

/// A player's playout buffer on the wall clock: media arrives in parts; playback starts once
/// `startupSeconds` of media are in, then drains in real time. When it runs dry, playback
/// stalls until the next part arrives and resumes at once (the shortest stall a player could
/// have, so a recorded stall is one no player avoids). Times are seconds on one clock.
struct PlayoutBuffer: Sendable {
    struct Stall: Sendable, CustomStringConvertible {
        /// When the buffer ran dry.
        var at: Double
        var seconds: Double
        var description: String { String(format: "%.2f s at %.2f s", seconds, at) }
    }

    let startupSeconds: Double
    /// Media received, seconds.
    private(set) var received = 0.0
    /// Media played, seconds.
    private(set) var played = 0.0
    /// When playback started; nil during startup.
    private(set) var startedAt: Double?
    private(set) var stalls: [Stall] = []
    private var clock = 0.0
    private var dryAt: Double?
    /// A stall happened since ``takeStarvation()`` was last called (CMCD `bs`).
    private var starvedSinceReport = false

    init(startupSeconds: Double) { self.startupSeconds = startupSeconds }

    var isPlaying: Bool { startedAt != nil }

    /// Media seconds buffered at `now`.
    func level(at now: Double) -> Double {
        var copy = self
        copy.advance(to: now)
        return copy.received - copy.played
    }

    /// A part of `seconds` of media arrived at `now`.
    mutating func receive(seconds: Double, at now: Double) {
        advance(to: now)
        received += seconds
        if startedAt == nil {
            if received >= startupSeconds - 1e-6 { startedAt = now }
        } else if let dry = dryAt {
            stalls.append(Stall(at: dry, seconds: now - dry))
            dryAt = nil
            starvedSinceReport = true
        }
    }

    /// Whether the buffer ran dry since the previous call (or is dry now).
    mutating func takeStarvation(at now: Double) -> Bool {
        advance(to: now)
        defer { starvedSinceReport = false }
        return starvedSinceReport || dryAt != nil
    }

    private mutating func advance(to now: Double) {
        defer { clock = max(clock, now) }
        guard startedAt != nil, dryAt == nil, now > clock else { return }
        let elapsed = now - clock
        if played + elapsed >= received {
            dryAt = clock + (received - played)
            played = received
        } else {
            played += elapsed
        }
    }
}
