extension CMCDReport {
    /// Parses the comma-separated `key[=value]` form that both the query argument (once
    /// percent-decoded) and each `CMCD-*` header carry.
    public static func parse(fields: some StringProtocol) throws(CMCDError) -> CMCDReport {
        var report = CMCDReport()
        try report.apply(fields: String(fields))
        return report
    }

    /// Finds the `CMCD` argument in a URL query (the part after `?`), percent-decodes and parses
    /// it. Returns nil when the query has no `CMCD` argument.
    public static func parse(query: some StringProtocol) throws(CMCDError) -> CMCDReport? {
        for argument in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let eq = argument.firstIndex(of: "="), argument[..<eq] == "CMCD" else {
                if argument == "CMCD" { return CMCDReport() }
                continue
            }
            let decoded = try percentDecode(Substring(argument[argument.index(after: eq)...]))
            return try parse(fields: decoded)
        }
        return nil
    }

    /// Merges the `CMCD-Request`, `CMCD-Object`, `CMCD-Status` and `CMCD-Session` headers
    /// (names in any case). Returns nil when none is present.
    public static func parse(
        headers: some Sequence<(name: String, value: String)>
    ) throws(CMCDError) -> CMCDReport? {
        var report = CMCDReport()
        var found = false
        for header in headers {
            switch header.name.lowercased() {
            case "cmcd-request", "cmcd-object", "cmcd-status", "cmcd-session":
                found = true
                try report.apply(fields: header.value)
            default:
                continue
            }
        }
        return found ? report : nil
    }

    private static func percentDecode(_ text: Substring) throws(CMCDError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var it = text.utf8.makeIterator()
        while let b = it.next() {
            if b != UInt8(ascii: "%") { bytes.append(b); continue }
            guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else {
                throw .invalidPercentEncoding
            }
            bytes.append(h << 4 | l)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A value as written: absent (a bare key is boolean true), quoted string, or bare text.
    private enum RawValue {
        case absent
        case quoted(String)
        case bare(Substring)
    }

    private mutating func apply(fields: String) throws(CMCDError) {
        let text = Substring(fields)
        var i = text.startIndex
        while i < text.endIndex {
            // One entry: key, then optionally "=value", up to the next comma outside quotes.
            while i < text.endIndex, text[i] == " " || text[i] == "\t" || text[i] == "," {
                i = text.index(after: i)
            }
            guard i < text.endIndex else { break }
            let keyStart = i
            while i < text.endIndex, text[i] != "=", text[i] != "," { i = text.index(after: i) }
            let key = text[keyStart..<i].trimmingSpaces()
            guard !key.isEmpty, key.allSatisfy(Self.isKeyCharacter) else {
                throw .invalidKey(String(key))
            }
            var value = RawValue.absent
            if i < text.endIndex, text[i] == "=" {
                i = text.index(after: i)
                if i < text.endIndex, text[i] == "\"" {
                    var s = ""
                    var closed = false
                    i = text.index(after: i)
                    while i < text.endIndex {
                        let c = text[i]
                        i = text.index(after: i)
                        if c == "\"" { closed = true; break }
                        if c == "\\" {
                            guard i < text.endIndex else { break }
                            s.append(text[i])
                            i = text.index(after: i)
                        } else {
                            s.append(c)
                        }
                    }
                    guard closed else { throw .unterminatedString(key: String(key)) }
                    value = .quoted(s)
                    // Anything between the closing quote and the comma is malformed.
                    let rest = i
                    while i < text.endIndex, text[i] != "," { i = text.index(after: i) }
                    guard text[rest..<i].trimmingSpaces().isEmpty else {
                        throw .invalidValue(key: String(key), value: String(text[rest..<i]))
                    }
                } else {
                    let valueStart = i
                    while i < text.endIndex, text[i] != "," { i = text.index(after: i) }
                    value = .bare(text[valueStart..<i].trimmingSpaces())
                }
            }
            try set(key: key, value: value)
        }
    }

    private static func isKeyCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "." || c == "_")
    }

    private mutating func set(key: Substring, value: RawValue) throws(CMCDError) {
        switch key {
        case "bl": bufferLengthMilliseconds = try Self.integer(key, value)
        case "br": encodedBitrateKbps = try Self.integer(key, value)
        case "d": objectDurationMilliseconds = try Self.integer(key, value)
        case "dl": deadlineMilliseconds = try Self.integer(key, value)
        case "mtp": measuredThroughputKbps = try Self.integer(key, value)
        case "rtp": requestedMaximumThroughputKbps = try Self.integer(key, value)
        case "tb": topBitrateKbps = try Self.integer(key, value)
        case "v": version = try Self.integer(key, value)
        case "pr": playbackRate = try Self.decimal(key, value)
        case "bs": bufferStarvation = try Self.boolean(key, value)
        case "su": startup = try Self.boolean(key, value)
        case "cid": contentID = try Self.string(key, value)
        case "sid": sessionID = try Self.string(key, value)
        case "nor": nextObjectRequest = try Self.string(key, value)
        case "nrr": nextRangeRequest = try Self.string(key, value)
        case "ot": objectType = try Self.token(key, value)
        case "sf": streamingFormat = try Self.token(key, value)
        case "st": streamType = try Self.token(key, value)
        default: break  // unknown and custom keys are allowed and ignored
        }
    }

    private static func invalid(_ key: Substring, _ value: RawValue) -> CMCDError {
        let text = switch value {
        case .absent: ""
        case .quoted(let s): "\"\(s)\""
        case .bare(let s): String(s)
        }
        return .invalidValue(key: String(key), value: text)
    }

    private static func integer(_ key: Substring, _ value: RawValue) throws(CMCDError) -> Int {
        guard case .bare(let s) = value, let n = Int(s) else { throw invalid(key, value) }
        return n
    }

    private static func decimal(_ key: Substring, _ value: RawValue) throws(CMCDError) -> Double {
        guard case .bare(let s) = value, let x = Double(s), x.isFinite else { throw invalid(key, value) }
        return x
    }

    private static func boolean(_ key: Substring, _ value: RawValue) throws(CMCDError) -> Bool {
        switch value {
        case .absent: return true
        case .bare(let s) where s == "true": return true
        case .bare(let s) where s == "false": return false
        default: throw invalid(key, value)
        }
    }

    private static func string(_ key: Substring, _ value: RawValue) throws(CMCDError) -> String {
        guard case .quoted(let s) = value else { throw invalid(key, value) }
        return s
    }

    private static func token(_ key: Substring, _ value: RawValue) throws(CMCDError) -> String {
        guard case .bare(let s) = value, !s.isEmpty, s.allSatisfy(isKeyCharacter) else {
            throw invalid(key, value)
        }
        return String(s)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
