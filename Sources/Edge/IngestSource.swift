import Pipeline
import Profiles

/// Turns a configured stream input into what the pipeline opens, applying its ingest key:
/// SRT sources require the key as the connection passphrase (a push without it fails the
/// SRT handshake); RTMP sources listen for the key as the stream name (a push to another
/// name is refused by libavformat's RTMP server). UDP has no authentication: bind it to an
/// interface only trusted senders reach.
enum IngestSource {
    static func spec(for stream: StreamConfig) throws -> SourceSpec {
        switch stream.input {
        case .demo:
            return .demo(realtime: true)
        case .file(let path):
            // A file plays as a live channel would: at real time.
            return try SourceSpec.parse(path, realtime: true)
        case .url(let url):
            return try SourceSpec.parse(apply(key: stream.ingestKey, to: url, stream: stream.name))
        case .upstreams:
            throw EdgeError.notTranscoded(stream.name)
        }
    }

    static func apply(key: String?, to url: String, stream: String) throws -> String {
        guard let key else { return url }
        if url.hasPrefix("srt://") {
            // libsrt accepts passphrases of 10 to 79 characters.
            guard (10...79).contains(key.count) else {
                throw EdgeError.invalidIngestKey(stream, "an SRT ingest_key is the passphrase: 10 to 79 characters, got \(key.count)")
            }
            return url + (url.contains("?") ? "&" : "?") + "passphrase=\(key)"
        }
        if url.hasPrefix("rtmp://") {
            let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
            return trimmed + "/" + key
        }
        throw EdgeError.invalidIngestKey(stream, "only srt:// and rtmp:// sources take an ingest_key")
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
