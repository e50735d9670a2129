/// Where a request goes, parsed from its target without allocating (substrings of the URI).
///
/// URL layout (stable; see README "Endpoints"):
/// - `/live/{stream}/master.m3u8`
/// - `/live/{stream}/{rendition}/index.m3u8` (`?_HLS_msn=N[&_HLS_part=M]` blocks)
/// - `/live/{stream}/{rendition}/init.mp4`
/// - `/live/{stream}/{rendition}/seg{msn}.m4s`
/// - `/live/{stream}/{rendition}/part{msn}.{part}.m4s`
/// - `/live/{stream}/auto/index.m3u8[?s=ID]`, `/live/{stream}/auto/master.m3u8` (adaptive sessions)
/// - `/metrics`, `/healthz`, `/readyz`, `/admin/v1/...`, `/mesh/v1/...` (peers; see MeshEndpoint.swift)
enum Route {
    case healthz
    case readyz
    case metrics
    case master(stream: Substring)
    case mediaPlaylist(stream: Substring, rendition: Substring)
    case autoPlaylist(stream: Substring)
    case autoMaster(stream: Substring)
    case initSection(stream: Substring, rendition: Substring)
    case segment(stream: Substring, rendition: Substring, mediaSequence: Int)
    case part(stream: Substring, rendition: Substring, position: PartPosition)
    case admin
    case mesh
    case notFound

    /// Parses a request target (`/path?query`); also returns the query, if any.
    ///
    /// Works on UTF-8 bytes: `Substring`'s `Character` operations (grapheme breaking) cost
    /// more than the rest of answering a part request.
    static func parse(_ uri: String) -> (route: Route, query: Substring?) {
        let bytes = uri.utf8
        guard let mark = bytes.firstIndex(of: UInt8(ascii: "?")) else {
            return (Self.parsePath(uri[...]), nil)
        }
        return (Self.parsePath(uri[..<mark]), uri[bytes.index(after: mark)...])
    }

    private static func parsePath(_ path: Substring) -> Route {
        let bytes = path.utf8
        if bytes.elementsEqual("/healthz".utf8) { return .healthz }
        if bytes.elementsEqual("/readyz".utf8) { return .readyz }
        if bytes.elementsEqual("/metrics".utf8) { return .metrics }
        if bytes.starts(with: "/admin/v1/".utf8) || bytes.elementsEqual("/admin/v1".utf8) { return .admin }
        if bytes.starts(with: "/mesh/v1/".utf8) { return .mesh }
        guard bytes.starts(with: "/live/".utf8) else { return .notFound }
        // Names are restricted to [A-Za-z0-9._-] without a leading dot, so "..", "%2e",
        // empty components and every other traversal trick fail here.
        var components: (Substring, Substring, Substring?) = ("", "", nil)
        var count = 0
        var start = bytes.index(bytes.startIndex, offsetBy: "/live/".utf8.count)
        while true {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
            let component = path[start..<end]
            switch count {
            case 0: components.0 = component
            case 1: components.1 = component
            case 2: components.2 = component
            default: return .notFound
            }
            count += 1
            if end == bytes.endIndex { break }
            start = bytes.index(after: end)
        }
        guard count >= 2, ChunkStore.isValidName(components.0), ChunkStore.isValidName(components.1) else { return .notFound }
        let stream = components.0
        guard let file = components.2 else {
            return components.1.utf8.elementsEqual("master.m3u8".utf8) ? .master(stream: stream) : .notFound
        }
        let rendition = components.1
        let fileBytes = file.utf8
        // "auto" is reserved (no rendition may have the name): the server's choice per session.
        if rendition.utf8.elementsEqual("auto".utf8) {
            if fileBytes.elementsEqual("index.m3u8".utf8) { return .autoPlaylist(stream: stream) }
            if fileBytes.elementsEqual("master.m3u8".utf8) { return .autoMaster(stream: stream) }
            return .notFound
        }
        if fileBytes.elementsEqual("index.m3u8".utf8) { return .mediaPlaylist(stream: stream, rendition: rendition) }
        if fileBytes.elementsEqual("init.mp4".utf8) { return .initSection(stream: stream, rendition: rendition) }
        guard fileBytes.count > 4, fileBytes.suffix(4).elementsEqual(".m4s".utf8) else { return .notFound }
        let nameEnd = fileBytes.index(fileBytes.endIndex, offsetBy: -4)
        if fileBytes.starts(with: "seg".utf8) {
            let digits = file[fileBytes.index(fileBytes.startIndex, offsetBy: 3)..<nameEnd]
            guard let sequence = parseNumber(digits) else { return .notFound }
            return .segment(stream: stream, rendition: rendition, mediaSequence: sequence)
        }
        if fileBytes.starts(with: "part".utf8) {
            let numberStart = fileBytes.index(fileBytes.startIndex, offsetBy: 4)
            guard let dot = fileBytes[numberStart..<nameEnd].firstIndex(of: UInt8(ascii: ".")),
                  let sequence = parseNumber(file[numberStart..<dot]),
                  let index = parseNumber(file[fileBytes.index(after: dot)..<nameEnd])
            else { return .notFound }
            return .part(stream: stream, rendition: rendition, position: PartPosition(mediaSequence: sequence, partIndex: index))
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
        case .autoPlaylist, .autoMaster: .auto
        case .initSection: .initSection
        case .segment: .segment
        case .part: .part
        case .admin: .admin
        case .mesh: .other
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
            case _ where key.utf8.elementsEqual("_HLS_msn".utf8):
                guard let number = parseNumber(value) else { return nil }
                directives.mediaSequence = number
            case _ where key.utf8.elementsEqual("_HLS_part".utf8):
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
