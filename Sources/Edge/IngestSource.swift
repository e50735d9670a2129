import Pipeline
import Profiles

/// What a stream's input becomes: the source the pipeline opens and, for an RTMP push with
/// an ingest key, the gate in front of it.
struct IngestPlan: Sendable {
    var source: SourceSpec
    var rtmpGate: RTMPKeyGate.Configuration?
}

/// Turns a configured stream input into what the pipeline opens, applying its ingest key:
/// SRT sources require the key as the connection passphrase (a push without it fails the
/// SRT handshake). RTMP sources get an `RTMPKeyGate` on the configured address, which
/// admits only a push that publishes the key as its stream name (libavformat's RTMP server
/// would accept any), while the pipeline listens on an internal loopback port. UDP has no
/// authentication: bind it to an interface only trusted senders reach.
enum IngestSource {
    /// The plan for `stream`; `internalPort` picks the loopback port of a gated RTMP
    /// listener (validation passes a placeholder).
    static func plan(for stream: StreamConfig, internalPort: () throws -> Int) throws -> IngestPlan {
        switch stream.input {
        case .demo:
            return IngestPlan(source: .demo(realtime: true))
        case .generated(let text):
            return IngestPlan(source: try SourceSpec.parse(text, realtime: true))
        case .file(let path):
            // A file plays as a live channel would: at real time.
            return IngestPlan(source: try SourceSpec.parse(path, realtime: true))
        case .url(let url):
            guard let key = stream.ingestKey else { return IngestPlan(source: try SourceSpec.parse(url)) }
            if url.hasPrefix("rtmp://") {
                var gate = try rtmpGate(url: url, key: key, stream: stream.name)
                gate.internalPort = try internalPort()
                return IngestPlan(source: internalSource(for: gate), rtmpGate: gate)
            }
            return IngestPlan(source: try SourceSpec.parse(apply(key: key, to: url, stream: stream.name)))
        case .upstreams:
            throw EdgeError.notTranscoded(stream.name)
        }
    }

    /// Checks a stream's input and ingest key without taking any port: the source the
    /// pipeline would open (a gated RTMP source with a placeholder internal port).
    static func spec(for stream: StreamConfig) throws -> SourceSpec {
        try plan(for: stream, internalPort: { 0 }).source
    }

    /// The SRT URL carrying the key as its passphrase.
    static func apply(key: String, to url: String, stream: String) throws -> String {
        if url.hasPrefix("srt://") {
            // libsrt accepts passphrases of 10 to 79 characters.
            guard (10...79).contains(key.count) else {
                throw EdgeError.invalidIngestKey(stream, "an SRT ingest_key is the passphrase: 10 to 79 characters, got \(key.count)")
            }
            return url + (url.contains("?") ? "&" : "?") + "passphrase=\(key)"
        }
        throw EdgeError.invalidIngestKey(stream, "only srt:// and rtmp:// sources take an ingest_key")
    }

    /// The pipeline's side of a gated push: libavformat's RTMP server on 127.0.0.1 only.
    /// The stream name in the URL is not the key, so the key never appears in source logs.
    static func internalSource(for gate: RTMPKeyGate.Configuration) -> SourceSpec {
        SourceSpec(url: "rtmp://127.0.0.1:\(gate.internalPort)/\(gate.app)/ingest",
                   options: ["listen": "1", "timeout": "-1"], isLive: true)
    }

    /// The gate for `rtmp://HOST[:PORT]/APP[?listen=1]` and `key` (internal port unset).
    static func rtmpGate(url: String, key: String, stream: String) throws -> RTMPKeyGate.Configuration {
        let fail = { (reason: String) in EdgeError.invalidIngestKey(stream, reason) }
        guard !key.isEmpty, key.count <= 255, key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }),
              !key.contains("/"), !key.contains("?") else {
            throw fail("an RTMP ingest_key is the stream name: 1 to 255 printable ASCII characters without spaces, '/' or '?'")
        }
        var rest = Substring(url.dropFirst("rtmp://".count))
        if let query = rest.firstIndex(of: "?") {
            guard rest[query...] == "?listen=1" else { throw fail("source \(url): a gated RTMP source takes no query but ?listen=1") }
            rest = rest[..<query]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw fail("source \(url): expected rtmp://HOST:PORT/APP") }
        let authority = rest[..<slash]
        var app = rest[rest.index(after: slash)...]
        while app.hasSuffix("/") { app.removeLast() }
        guard !app.isEmpty, !app.contains("/") else {
            throw fail("source \(url): name only the app (rtmp://HOST:PORT/APP); the stream name is the ingest_key")
        }
        var host = authority
        var port = 1935
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw fail("source \(url): bad port")
            }
            host = authority[..<colon]
            port = parsed
        }
        guard !host.isEmpty else { throw fail("source \(url): no host") }
        return RTMPKeyGate.Configuration(stream: stream, host: String(host), port: port, app: String(app), streamKey: key, internalPort: 0)
    }
}

/// Problems the service reports about a stream.
enum EdgeError: Error, CustomStringConvertible {
    case notTranscoded(String)
    case invalidIngestKey(String, String)

    var description: String {
        switch self {
        case .notTranscoded(let stream): "stream \(stream) is relayed from upstream peers, not transcoded here"
        case .invalidIngestKey(let stream, let reason): "stream \(stream): ingest_key: \(reason)"
        }
    }
}
