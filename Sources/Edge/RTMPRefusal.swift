/// Why the RTMP key gate closed a push, as the log line says it
/// ("RTMP push to stream X refused: wrong stream key from 1.2.3.4").
enum RTMPRefusal: Equatable, Sendable, CustomStringConvertible {
    /// `publish` (or `releaseStream`/`FCPublish`) named another stream than the key.
    case wrongStreamKey
    /// `connect` asked for another application than the source's.
    case wrongApp(String)
    /// The first byte is not RTMP version 3 (TLS, HTTP, RTMPE, a port scanner…).
    case notRTMP(firstByte: UInt8)
    /// The bytes break the chunk stream or AMF0 rules.
    case malformed(String)
    /// The client asked to play, not to publish.
    case notPublishing(String)
    /// More than the limit arrived before a `publish`.
    case tooManyBytes(limitBytes: Int)
    /// No verified `publish` within the time limit.
    case timedOut(seconds: Double)
    /// Another connection holds the stream's single publisher slot.
    case publisherBusy
    /// The transcoder's internal listener did not accept the relayed connection.
    case ingestUnavailable

    var description: String {
        switch self {
        case .wrongStreamKey: "wrong stream key"
        case .wrongApp(let app): "wrong app '\(Self.printable(app))'"
        case .notRTMP(let byte): "not RTMP (first byte \(byte))"
        case .malformed(let what): "malformed RTMP: \(what)"
        case .notPublishing(let command): "'\(Self.printable(command))' is not a publish"
        case .tooManyBytes(let limit): "no publish within the first \(limit) bytes"
        case .timedOut(let seconds): "no publish within \(seconds) s"
        case .publisherBusy: "another push is already connected"
        case .ingestUnavailable: "the transcoder is not accepting (restarting?)"
        }
    }

    /// What a client sent, safe to log: short, without control characters.
    static func printable(_ text: String) -> String {
        String(text.prefix(64).map { $0.isASCII && ($0.isLetter || $0.isNumber || $0.isPunctuation || $0 == " ") ? $0 : "?" })
    }
}
