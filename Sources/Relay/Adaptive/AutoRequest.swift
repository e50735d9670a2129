import Adaptation
import NIOHTTP1

/// What an auto-session lookup needs from a request: the `s` argument and the player's CMCD.
enum AutoRequest {
    /// The `s=` argument of a query (a session id), nil when absent or malformed.
    static func sessionID(query: Substring?) -> UInt64? {
        guard let query else { return nil }
        for pair in query.utf8.split(separator: UInt8(ascii: "&")) {
            guard pair.starts(with: "s=".utf8) else { continue }
            return AutoSession.parseID(Substring(pair.dropFirst(2)))
        }
        return nil
    }

    /// The request's CMCD (`CMCD=` query argument, else `CMCD-*` headers); nil when it has
    /// none or it does not parse. Only parsed when present, so other requests cost a scan.
    static func clientData(query: Substring?, headers: HTTPHeaders) -> CMCDReport? {
        if let query, Self.hasCMCDArgument(query), let report = try? CMCDReport.parse(query: query) {
            return report
        }
        guard headers.contains(where: { Self.isCMCDHeader($0.name) }) else { return nil }
        return try? CMCDReport.parse(headers: headers.map { (name: $0.name, value: $0.value) })
    }

    private static func hasCMCDArgument(_ query: Substring) -> Bool {
        query.utf8.split(separator: UInt8(ascii: "&")).contains { $0.starts(with: "CMCD".utf8) }
    }

    private static func isCMCDHeader(_ name: String) -> Bool {
        let bytes = name.utf8
        guard bytes.count > 5 else { return false }
        // Case-insensitive "cmcd-" without allocating a lower-cased copy.
        return zip(bytes.prefix(5), "cmcd-".utf8).allSatisfy { $0 | 0x20 == $1 || $0 == $1 }
    }
}
