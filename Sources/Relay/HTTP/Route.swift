/// Where a request goes, parsed from its target without allocating (substrings of the URI).
///
/// URL layout (stable; see README "Endpoints"):
/// - `/live/{stream}/master.m3u8`
/// - `/live/{stream}/{rendition}/index.m3u8` (`?_HLS_msn=N[&_HLS_part=M]` blocks)
/// - `/live/{stream}/{rendition}/init.mp4`
/// - `/live/{stream}/{rendition}/seg{msn}.m4s`
/// - `/live/{stream}/{rendition}/part{msn}.{part}.m4s`
/// - `/metrics`, `/healthz`, `/readyz`, `/admin/v1/...`
enum Route {
    case healthz
    case readyz
    case metrics
    case master(stream: Substring)
    case mediaPlaylist(stream: Substring, rendition: Substring)
    case initSection(stream: Substring, rendition: Substring)
    case segment(stream: Substring, rendition: Substring, mediaSequence: Int)
    case part(stream: Substring, rendition: Substring, position: PartPosition)
    case admin
    case notFound

    /// Parses a request target (`/path?query`); also returns the query, if any.
    static func parse(_ uri: String) -> (route: Route, query: Substring?) {
        let path: Substring
        let query: Substring?
        if let mark = uri.firstIndex(of: "?") {
            path = uri[..<mark]
            query = uri[uri.index(after: mark)...]
        } else {
            path = uri[...]
            query = nil
        }
        return (Self.parsePath(path), query)
    }

    private static func parsePath(_ path: Substring) -> Route {
        switch path {
        case "/healthz": return .healthz
        case "/readyz": return .readyz
        case "/metrics": return .metrics
        default: break
        }
        if path.hasPrefix("/admin/v1/") || path == "/admin/v1" { return .admin }
        guard path.hasPrefix("/live/") else { return .notFound }
        // Names are restricted to [A-Za-z0-9._-] without a leading dot, so "..", "%2e",
        // empty components and every other traversal trick fail here.
        let components = path.dropFirst("/live/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard components.count == 2 || components.count == 3,
              ChunkStore.isValidName(components[0]), ChunkStore.isValidName(components[1])
        else { return .notFound }
        let stream = components[0]
        if components.count == 2 {
            return components[1] == "master.m3u8" ? .master(stream: stream) : .notFound
        }
        let rendition = components[1]
        let file = components[2]
        switch file {
        case "index.m3u8": return .mediaPlaylist(stream: stream, rendition: rendition)
        case "init.mp4": return .initSection(stream: stream, rendition: rendition)
        default: break
        }
        guard file.hasSuffix(".m4s") else { return .notFound }
        let name = file.dropLast(".m4s".count)
        if name.hasPrefix("seg"), let sequence = parseNumber(name.dropFirst("seg".count)) {
            return .segment(stream: stream, rendition: rendition, mediaSequence: sequence)
        }
        if name.hasPrefix("part") {
            let numbers = name.dropFirst("part".count).split(separator: ".", omittingEmptySubsequences: false)
            if numbers.count == 2, let sequence = parseNumber(numbers[0]), let index = parseNumber(numbers[1]) {
                return .part(stream: stream, rendition: rendition, position: PartPosition(mediaSequence: sequence, partIndex: index))
            }
        }
        return .notFound
    }

    /// The metrics label of this route.
    var label: RouteLabel {
        switch self {
        case .healthz: .healthz
        case .readyz: .readyz
        case .metrics: .metrics
        case .master: .master
        case .mediaPlaylist: .playlist
        case .initSection: .initSection
        case .segment: .segment
        case .part: .part
        case .admin: .admin
        case .notFound: .other
        }
    }
}

/// A decimal number of 1–18 plain digits (no sign, no spaces), as used in media names and
/// delivery directives.
func parseNumber(_ text: Substring) -> Int? {
    guard (1...18).contains(text.utf8.count) else { return nil }
    var value = 0
    for byte in text.utf8 {
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
}

/// LL-HLS delivery directives from a playlist query string.
struct DeliveryDirectives: Equatable {
    var mediaSequence: Int?
    var partIndex: Int?

    /// nil when a directive is malformed or `_HLS_part` comes without `_HLS_msn` (400).
    static func parse(_ query: Substring?) -> DeliveryDirectives? {
        var directives = DeliveryDirectives()
        guard let query else { return directives }
        for pair in query.split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = keyValue[0]
            let value = keyValue.count == 2 ? keyValue[1] : ""
            switch key {
            case "_HLS_msn":
                guard let number = parseNumber(value) else { return nil }
                directives.mediaSequence = number
            case "_HLS_part":
                guard let number = parseNumber(value) else { return nil }
                directives.partIndex = number
            default:
                // _HLS_skip (delta updates) is not offered (no CAN-SKIP-UNTIL), and other
                // parameters (cache busters) do not change the answer.
                continue
            }
        }
        if directives.partIndex != nil && directives.mediaSequence == nil { return nil }
        return directives
    }
}
