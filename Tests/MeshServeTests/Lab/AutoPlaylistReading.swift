import Foundation

/// What a player reads from an `auto` media playlist: the parts it lists, each with the
/// rendition its URI points into (`../{rendition}/part{msn}.{i}.m4s`), and the preload hint.
struct AutoPlaylistReading: Sendable {
    struct Part: Sendable, Hashable {
        var mediaSequence: Int
        var index: Int
        var rendition: String
        var durationSeconds: Double
        /// As listed, relative to the playlist.
        var uri: String

        var position: Position { Position(mediaSequence: mediaSequence, index: index) }
    }

    struct Position: Sendable, Hashable, Comparable, CustomStringConvertible {
        var mediaSequence: Int
        var index: Int
        static func < (a: Position, b: Position) -> Bool { (a.mediaSequence, a.index) < (b.mediaSequence, b.index) }
        var description: String { "\(mediaSequence).\(index)" }
    }

    var parts: [Part] = []
    var hint: Position?
    /// Renditions named by `EXT-X-MAP` lines, in order.
    var maps: [String] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#EXT-X-PART:"), let uri = Self.quoted(line, "URI="), let (rendition, position) = Self.partURI(uri) {
                let duration = Self.attribute(line, "DURATION=").flatMap(Double.init) ?? 0
                parts.append(Part(mediaSequence: position.mediaSequence, index: position.index, rendition: rendition,
                                  durationSeconds: duration, uri: uri))
            } else if line.hasPrefix("#EXT-X-PRELOAD-HINT:"), let uri = Self.quoted(line, "URI=") {
                hint = Self.partURI(uri)?.1
            } else if line.hasPrefix("#EXT-X-MAP:"), let uri = Self.quoted(line, "URI=") {
                maps.append(uri.split(separator: "/").dropLast().last.map(String.init) ?? uri)
            }
        }
    }

    /// The listed part at `position`.
    func part(at position: Position) -> Part? { parts.last { $0.position == position } }

    /// The position after `position`: the next listed part, else the preload hint.
    func position(after position: Position) -> Position? {
        parts.first { $0.position > position }?.position ?? hint.flatMap { $0 > position ? $0 : nil }
    }

    /// `../NAME/partM.I.m4s` → (NAME, M.I).
    private static func partURI(_ uri: String) -> (String, Position)? {
        let pieces = uri.split(separator: "/")
        guard pieces.count >= 2, let file = pieces.last, file.hasPrefix("part"), file.hasSuffix(".m4s") else { return nil }
        let numbers = file.dropFirst(4).dropLast(4).split(separator: ".").compactMap { Int($0) }
        guard numbers.count == 2 else { return nil }
        return (String(pieces[pieces.count - 2]), Position(mediaSequence: numbers[0], index: numbers[1]))
    }

    private static func quoted(_ line: Substring, _ key: String) -> String? {
        guard let start = line.range(of: key + "\"") else { return nil }
        let rest = line[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    private static func attribute(_ line: Substring, _ key: String) -> String? {
        guard let start = line.range(of: key) else { return nil }
        return String(line[start.upperBound...].prefix { $0 != "," })
    }
}
