import Glibc

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
        // The URI's own bytes, not the path's: `Substring.UTF8View` has no specialized
        // contiguous access, and going through it was most of the cost of routing a part.
        if let parsed = uri.utf8.withContiguousStorageIfAvailable({ Self.parse(uri, bytes: $0) }) { return parsed }
        var contiguous = uri  // a bridged string: not on Linux, but cheap to cover
        contiguous.makeContiguousUTF8()
        return contiguous.utf8.withContiguousStorageIfAvailable { Self.parse(contiguous, bytes: $0) } ?? (.notFound, nil)
    }

    private static func parse(_ uri: String, bytes: UnsafeBufferPointer<UInt8>) -> (route: Route, query: Substring?) {
        guard let mark = bytes.firstIndex(of: UInt8(ascii: "?")) else { return (Self.parsePath(uri[...], bytes: bytes), nil) }
        let utf8 = uri.utf8
        let markIndex = utf8.index(utf8.startIndex, offsetBy: mark)
        let path = UnsafeBufferPointer(rebasing: bytes[..<mark])
        return (Self.parsePath(uri[..<markIndex], bytes: path), uri[utf8.index(after: markIndex)...])
    }

    /// Scans the path's bytes directly: the same checks through `String.UTF8View` (generic
    /// `starts(with:)`, `firstIndex(of:)`, index alignment) were most of a part request's
    /// routing cost.
    private static func parsePath(_ path: Substring, bytes: UnsafeBufferPointer<UInt8>) -> Route {
        func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
            range.count == literal.utf8CodeUnitCount && memcmp(bytes.baseAddress! + range.lowerBound, literal.utf8Start, range.count) == 0
        }
        func hasPrefix(_ range: Range<Int>, _ literal: StaticString) -> Bool {
            range.count >= literal.utf8CodeUnitCount
                && memcmp(bytes.baseAddress! + range.lowerBound, literal.utf8Start, literal.utf8CodeUnitCount) == 0
        }
        func hasSuffix(_ range: Range<Int>, _ literal: StaticString) -> Bool {
            range.count >= literal.utf8CodeUnitCount
                && memcmp(bytes.baseAddress! + range.upperBound - literal.utf8CodeUnitCount, literal.utf8Start, literal.utf8CodeUnitCount) == 0
        }
        func substring(_ range: Range<Int>) -> Substring {
            let utf8 = path.utf8
            let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
            return path[lower..<utf8.index(lower, offsetBy: range.count)]
        }
        func number(_ range: Range<Int>) -> Int? {
            guard (1...18).contains(range.count) else { return nil }
            var value = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }

        let all = 0..<bytes.count
        if equals(all, "/healthz") { return .healthz }
        if equals(all, "/readyz") { return .readyz }
        if equals(all, "/metrics") { return .metrics }
        if hasPrefix(all, "/admin/v1/") || equals(all, "/admin/v1") { return .admin }
        if hasPrefix(all, "/mesh/v1/") { return .mesh }
        guard hasPrefix(all, "/live/") else { return .notFound }
        // Names are restricted to [A-Za-z0-9._-] without a leading dot, so "..", "%2e",
        // empty components and every other traversal trick fail here.
        var components: (Range<Int>, Range<Int>, Range<Int>) = (0..<0, 0..<0, 0..<0)
        var count = 0
        var start = "/live/".utf8.count
        while true {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
            switch count {
            case 0: components.0 = start..<end
            case 1: components.1 = start..<end
            case 2: components.2 = start..<end
            default: return .notFound
            }
            count += 1
            if end == bytes.count { break }
            start = end + 1
        }
        guard count >= 2, Self.isValidName(bytes, components.0), Self.isValidName(bytes, components.1) else { return .notFound }
        let stream = substring(components.0)
        guard count == 3 else {
            return equals(components.1, "master.m3u8") ? .master(stream: stream) : .notFound
        }
        let renditionRange = components.1
        let file = components.2
        // "auto" is reserved (no rendition may have the name): the server's choice per session.
        if equals(renditionRange, "auto") {
            if equals(file, "index.m3u8") { return .autoPlaylist(stream: stream) }
            if equals(file, "master.m3u8") { return .autoMaster(stream: stream) }
            return .notFound
        }
        let rendition = substring(renditionRange)
        if equals(file, "index.m3u8") { return .mediaPlaylist(stream: stream, rendition: rendition) }
        if equals(file, "init.mp4") { return .initSection(stream: stream, rendition: rendition) }
        guard file.count > 4, hasSuffix(file, ".m4s") else { return .notFound }
        let nameEnd = file.upperBound - 4
        if hasPrefix(file, "seg") {
            guard let sequence = number((file.lowerBound + 3)..<nameEnd) else { return .notFound }
            return .segment(stream: stream, rendition: rendition, mediaSequence: sequence)
        }
        if hasPrefix(file, "part") {
            let numberStart = file.lowerBound + 4
            guard let dot = (numberStart..<nameEnd).first(where: { bytes[$0] == UInt8(ascii: ".") }),
                  let sequence = number(numberStart..<dot), let index = number((dot + 1)..<nameEnd)
            else { return .notFound }
            return .part(stream: stream, rendition: rendition, position: PartPosition(mediaSequence: sequence, partIndex: index))
        }
        return .notFound
    }

    /// ``ChunkStore/isValidName(_:)`` on a range of bytes.
    private static func isValidName(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard (1...64).contains(range.count), bytes[range.lowerBound] != UInt8(ascii: ".") else { return false }
        return range.allSatisfy { index in
            let byte = bytes[index]
            return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
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
