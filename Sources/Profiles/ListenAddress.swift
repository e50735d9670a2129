/// Where the HTTP listener binds (`listen: "0.0.0.0:8080"`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address; IPv6 without brackets (`::`).
    public var host: String
    /// TCP port; 0 asks the system for any free port (tests use this).
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port` or `:port` (all interfaces); nil when malformed.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            // An unbracketed IPv6 address is ambiguous about where the port starts.
            guard !host.contains(":") else { return nil }
            portText = text[text.index(after: colon)...]
        }
        guard !host.contains(where: \.isWhitespace), let port = Int(portText), (0...65_535).contains(port) else {
            return nil
        }
        self.host = host.isEmpty ? "0.0.0.0" : String(host)
        self.port = port
    }

    /// `0.0.0.0:8080`, `[::]:8080`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
