import Foundation
import Synchronization

/// A test player for an `auto` playlist: LL-HLS blocking reloads, every part fetched in order
/// over one keep-alive connection, a ``PlayoutBuffer``, and CMCD on every request (`CMCD=`
/// query argument: session id, buffer length, measured throughput, bit rate and duration of
/// the object, startup and starvation flags), as hls.js sends it. It records each part with
/// the rendition the playlist took it from. Blocking: run it on a lab thread
/// (``NetworkLab/perform(in:_:)``); the test watches and stops it through a ``PlayerLog``.
struct PlayoutPlayer: Sendable {
    let host: String
    let port: Int
    let stream: String
    /// CMCD `sid`: how the server ties this player's playlist and part requests together.
    let sessionID: String
    /// Parts buffered before playback starts (the player starts this many parts behind the edge).
    let startupParts: Int
    /// Nominal bit rate of each rendition in kbit/s, for CMCD `br`.
    let bitratesKbps: [String: Int]

    /// Plays until `log.stop()` or `maxSeconds`; what happened is in `log`.
    func run(log: PlayerLog, maxSeconds: Double) {
        let http = KeepAliveHTTP(host: host, port: port, userAgent: "mutstream-lab-player/1")
        defer { http.disconnect() }
        var session = Session(player: self, http: http, log: log)
        session.play(until: maxSeconds)
        log.finish(stalls: session.buffer.stalls, playbackStartedAt: session.buffer.startedAt)
    }

    /// The state of one playback.
    private struct Session {
        let player: PlayoutPlayer
        let http: KeepAliveHTTP
        let log: PlayerLog
        var buffer = PlayoutBuffer(startupSeconds: 0)
        var throughputsKbps: [Double] = []
        var playlist = AutoPlaylistReading("")

        init(player: PlayoutPlayer, http: KeepAliveHTTP, log: PlayerLog) {
            self.player = player
            self.http = http
            self.log = log
        }

        var base: String { "/live/\(player.stream)/" }

        mutating func play(until maxSeconds: Double) {
            // Startup: a playlist with enough parts, then the newest segment start that leaves
            // `startupParts` parts to fetch before playback begins.
            while playlist.parts.count < player.startupParts + 2 {
                guard !log.isStopped, log.now() < maxSeconds else { return }
                reload(blockingAt: nil)
                if playlist.parts.count < player.startupParts + 2 { Thread.sleep(forTimeInterval: 0.2) }
            }
            let parts = playlist.parts
            let startIndex = parts.indices.last { parts[$0].index == 0 && parts.count - $0 >= player.startupParts }
                ?? parts.firstIndex { $0.index == 0 } ?? 0
            buffer = PlayoutBuffer(startupSeconds: Double(player.startupParts) * parts[startIndex].durationSeconds - 0.001)
            var next: AutoPlaylistReading.Position? = parts[startIndex].position
            var last: AutoPlaylistReading.Position?

            while !log.isStopped, log.now() < maxSeconds {
                if let wanted = next, let part = playlist.part(at: wanted) {
                    fetch(part)
                    last = wanted
                    next = playlist.position(after: wanted)
                } else if let wanted = next {
                    // The part the preload hint names: a blocking reload returns once it is out.
                    reload(blockingAt: wanted)
                    if playlist.part(at: wanted) == nil, let last {
                        // The segment ended before the part the player guessed: take what follows.
                        next = playlist.position(after: last)
                    }
                } else {
                    reload(blockingAt: nil)
                    if let last { next = playlist.position(after: last) }
                    if next == nil { Thread.sleep(forTimeInterval: 0.1) }
                }
            }
        }

        private mutating func reload(blockingAt position: AutoPlaylistReading.Position?) {
            var query = ""
            if let position { query = "_HLS_msn=\(position.mediaSequence)&_HLS_part=\(position.index)&" }
            query += "CMCD=" + cmcd(objectType: "m", bitrateKbps: nil, durationSeconds: nil)
            let target = base + "auto/index.m3u8?" + query
            do {
                let response = try http.get(target, timeoutSeconds: 8)
                guard response.status == 200 else {
                    log.note("playlist HTTP \(response.status) at \(String(format: "%.2f", log.now())) s for \(position?.description ?? "edge")")
                    Thread.sleep(forTimeInterval: 0.05)
                    return
                }
                playlist = AutoPlaylistReading(String(decoding: response.body, as: UTF8.self))
            } catch {
                log.note("playlist: \(error) at \(String(format: "%.2f", log.now())) s")
                http.disconnect()
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        private mutating func fetch(_ part: AutoPlaylistReading.Part) {
            guard part.uri.hasPrefix("../") else {
                log.note("part URI not beside the playlist: \(part.uri)")
                return
            }
            let query = "CMCD=" + cmcd(objectType: "v", bitrateKbps: player.bitratesKbps[part.rendition],
                                       durationSeconds: part.durationSeconds)
            let target = base + part.uri.dropFirst(3) + "?" + query
            let requestedAt = log.now()
            do {
                let response = try http.get(target, timeoutSeconds: 8)
                let arrivedAt = log.now()
                guard response.status == 200, !response.body.isEmpty else {
                    log.note("part \(part.position) of \(part.rendition): HTTP \(response.status)")
                    return
                }
                let seconds = max(arrivedAt - requestedAt, 0.001)
                throughputsKbps.append(Double(response.body.count) * 8 / 1000 / seconds)
                if throughputsKbps.count > 4 { throughputsKbps.removeFirst() }
                buffer.receive(seconds: part.durationSeconds, at: arrivedAt)
                log.record(PlayerLog.Fetch(part: part, bytes: response.body.count, requestedAt: requestedAt,
                                           arrivedAt: arrivedAt, bufferSeconds: buffer.level(at: arrivedAt)))
            } catch {
                log.note("part \(part.position) of \(part.rendition): \(error)")
                http.disconnect()
            }
        }

        /// The CMCD payload of the next request, percent-encoded for the query.
        private mutating func cmcd(objectType: String, bitrateKbps: Int?, durationSeconds: Double?) -> String {
            let now = log.now()
            var fields: [String] = []
            fields.append("bl=\(Int((buffer.level(at: now) * 10).rounded()) * 100)")
            if let bitrateKbps { fields.append("br=\(bitrateKbps)") }
            if buffer.takeStarvation(at: now) { fields.append("bs") }
            if let durationSeconds { fields.append("d=\(Int((durationSeconds * 1000).rounded()))") }
            if !throughputsKbps.isEmpty {
                let harmonic = Double(throughputsKbps.count) / throughputsKbps.reduce(0) { $0 + 1 / $1 }
                fields.append("mtp=\(Int(harmonic / 100) * 100)")
            }
            fields.append("ot=\(objectType)")
            fields.append("sf=h")
            fields.append("sid=\"\(player.sessionID)\"")
            fields.append("st=l")
            if !buffer.isPlaying { fields.append("su") }
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            return fields.joined(separator: ",").addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        }
    }
}

/// What a ``PlayoutPlayer`` did, readable while it plays; the test stops the player here.
final class PlayerLog: Sendable {
    struct Fetch: Sendable {
        var part: AutoPlaylistReading.Part
        var bytes: Int
        /// Seconds on the log's clock.
        var requestedAt: Double
        var arrivedAt: Double
        /// Media buffered once the part was in.
        var bufferSeconds: Double
    }

    struct State: Sendable {
        var fetches: [Fetch] = []
        var notes: [String] = []
        var stopped = false
        var finished = false
        var stalls: [PlayoutBuffer.Stall] = []
        var playbackStartedAt: Double?
    }

    private let start = Date()
    private let state = Mutex(State())

    /// Seconds since the log was made.
    func now() -> Double { Date().timeIntervalSince(start) }

    var snapshot: State { state.withLock { $0 } }
    var isStopped: Bool { state.withLock { $0.stopped } }
    func stop() { state.withLock { $0.stopped = true } }

    func record(_ fetch: Fetch) { state.withLock { $0.fetches.append(fetch) } }
    func note(_ text: String) { state.withLock { $0.notes.append(text) } }

    func finish(stalls: [PlayoutBuffer.Stall], playbackStartedAt: Double?) {
        state.withLock {
            $0.stalls = stalls
            $0.playbackStartedAt = playbackStartedAt
            $0.finished = true
        }
    }

    /// The newest part fetched.
    var newest: Fetch? { state.withLock { $0.fetches.last } }
}
