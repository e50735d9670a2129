import Foundation

/// Follows one rendition of a live stream the way an LL-HLS player does: a blocking playlist
/// reload for the part the preload hint names, then a GET of every new part in order. It
/// notes when each part became available and flags any hole in the part sequence, any
/// failed request and the longest wait between two parts. Blocking; run it on a lab thread
/// (``NetworkLab/perform(in:_:)``) to read a box inside a namespace.
struct PartFollower: Sendable {
    struct Arrival: Sendable {
        var mediaSequence: Int
        var partIndex: Int
        var bytes: Int
        /// Seconds since the follower started, on the test process's clock.
        var atSeconds: Double
    }

    struct Report: Sendable, CustomStringConvertible {
        var arrivals: [Arrival] = []
        /// Holes in the part sequence and failed part requests.
        var missing: [String] = []
        /// Failed or refused playlist requests (retried).
        var playlistErrors: [String] = []

        /// Longest time between two consecutive parts becoming available.
        var longestGapSeconds: Double {
            zip(arrivals, arrivals.dropFirst()).map { $1.atSeconds - $0.atSeconds }.max() ?? 0
        }

        var description: String {
            "\(arrivals.count) parts, missing \(missing), longest gap \(String(format: "%.3f", longestGapSeconds)) s, playlist errors \(playlistErrors.prefix(5))"
        }
    }

    let host: String
    let port: Int
    let stream: String
    let rendition: String

    /// Follows for `seconds`, starting at the newest part listed.
    func follow(seconds: Double, clockStart: Date = Date()) -> Report {
        var report = Report()
        let started = Date()
        var hint: (Int, Int)?
        var last: (msn: Int, part: Int)?
        let base = "/live/\(stream)/\(rendition)/"
        while Date().timeIntervalSince(started) < seconds {
            let query = hint.map { "?_HLS_msn=\($0.0)&_HLS_part=\($0.1)" } ?? ""
            guard let response = try? TestHTTP.get(host: host, port, base + "index.m3u8" + query, timeoutSeconds: 6) else {
                report.playlistErrors.append("no answer at \(elapsed(clockStart))")
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            guard response.status == 200 else {
                report.playlistErrors.append("HTTP \(response.status) at \(elapsed(clockStart))")
                Thread.sleep(forTimeInterval: 0.05)
                continue
            }
            let seenAt = Date().timeIntervalSince(clockStart)
            let (parts, preload) = Self.parse(String(decoding: response.body, as: UTF8.self))
            hint = preload
            let fresh = last.map { last in parts.filter { ($0.0, $0.1) > (last.msn, last.part) } } ?? Array(parts.suffix(1))
            for (msn, index) in fresh {
                if let previous = last, !(msn == previous.msn && index == previous.part + 1) && !(msn == previous.msn + 1 && index == 0) {
                    report.missing.append("hole between \(previous.msn).\(previous.part) and \(msn).\(index)")
                }
                last = (msn, index)
                let uri = base + "part\(msn).\(index).m4s"
                if let part = try? TestHTTP.get(host: host, port, uri, timeoutSeconds: 6), part.status == 200, !part.body.isEmpty {
                    report.arrivals.append(Arrival(mediaSequence: msn, partIndex: index, bytes: part.body.count, atSeconds: seenAt))
                } else {
                    report.missing.append("part \(msn).\(index) not served")
                }
            }
        }
        return report
    }

    private func elapsed(_ start: Date) -> String { String(format: "%.2f s", Date().timeIntervalSince(start)) }

    /// The parts (media sequence, index) a media playlist lists, and its preload hint.
    static func parse(_ text: String) -> (parts: [(Int, Int)], hint: (Int, Int)?) {
        var parts: [(Int, Int)] = []
        var hint: (Int, Int)?
        for line in text.split(separator: "\n") {
            guard line.hasPrefix("#EXT-X-PART:") || line.hasPrefix("#EXT-X-PRELOAD-HINT:"),
                  let start = line.range(of: "URI=\"part"), let end = line.range(of: ".m4s\"", range: start.upperBound..<line.endIndex)
            else { continue }
            let numbers = line[start.upperBound..<end.lowerBound].split(separator: ".").compactMap { Int($0) }
            guard numbers.count == 2 else { continue }
            if line.hasPrefix("#EXT-X-PART:") { parts.append((numbers[0], numbers[1])) } else { hint = (numbers[0], numbers[1]) }
        }
        return (parts, hint)
    }
}
