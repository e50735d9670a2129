import Foundation

/// The master playlist as written: variants with their attributes, and audio renditions.
struct MasterPlaylist {
    struct Variant {
        var attributes: [String: String]
        var uri: String
    }

    var variants: [Variant] = []
    /// `#EXT-X-MEDIA` entries' attributes.
    var media: [[String: String]] = []

    init(contentsOf url: URL) throws {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        guard lines.first == "#EXTM3U" else { throw SetupError("\(url.path) does not start with #EXTM3U") }
        var pending: [String: String]?
        for line in lines {
            if let list = line.removingPrefix("#EXT-X-STREAM-INF:") {
                pending = Self.attributes(list)
            } else if let list = line.removingPrefix("#EXT-X-MEDIA:") {
                media.append(Self.attributes(list))
            } else if !line.hasPrefix("#"), !line.isEmpty, let attributes = pending {
                variants.append(Variant(attributes: attributes, uri: line))
                pending = nil
            }
        }
    }

    /// Parses an HLS attribute list; quoted values may contain commas (`CODECS="a,b"`).
    static func attributes(_ list: String) -> [String: String] {
        var result: [String: String] = [:]
        var key = "", value = "", inKey = true, quoted = false
        func flush() {
            if !key.isEmpty { result[key] = value }
            key = ""; value = ""; inKey = true
        }
        for character in list {
            if inKey {
                if character == "=" { inKey = false } else if character != "," { key.append(character) }
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ",", !quoted {
                flush()
            } else {
                value.append(character)
            }
        }
        flush()
        return result
    }
}

/// One rendition's media playlist as written.
struct MediaPlaylist {
    struct Segment {
        var durationSeconds: Double
        var uri: String
        var followsDiscontinuity: Bool
    }

    var segments: [Segment] = []
    var hasEndList = false
    var mapURI: String?

    init(contentsOf url: URL) throws {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        guard lines.first == "#EXTM3U" else { throw SetupError("\(url.path) does not start with #EXTM3U") }
        var duration: Double?
        var discontinuity = false
        for line in lines {
            if let value = line.removingPrefix("#EXTINF:") {
                duration = Double(value.split(separator: ",").first ?? "")
            } else if line == "#EXT-X-DISCONTINUITY" {
                discontinuity = true
            } else if line == "#EXT-X-ENDLIST" {
                hasEndList = true
            } else if let list = line.removingPrefix("#EXT-X-MAP:") {
                mapURI = MasterPlaylist.attributes(list)["URI"]
            } else if !line.hasPrefix("#"), !line.isEmpty {
                segments.append(Segment(durationSeconds: duration ?? .nan, uri: line, followsDiscontinuity: discontinuity))
                duration = nil
                discontinuity = false
            }
        }
    }

    var totalSeconds: Double { segments.reduce(0) { $0 + $1.durationSeconds } }

    /// Indices of segments that begin a run after `#EXT-X-DISCONTINUITY`.
    var discontinuityIndices: [Int] { segments.indices.filter { segments[$0].followsDiscontinuity } }

    /// True for the last segment of a continuous run (before a discontinuity, or the end):
    /// it may be short, every other segment must be a full `segment_seconds`.
    func endsRun(_ index: Int) -> Bool {
        index == segments.count - 1 || segments[index + 1].followsDiscontinuity
    }
}

extension String {
    func removingPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
