/// Watches the client→server bytes of one RTMP connection up to its `publish` and decides
/// how much of them may reach the transcoder. A pure state machine: bytes in, verdict out.
///
/// Handshake bytes (C0, C1, C2) and whole messages before `publish` are released as they
/// complete: control messages and commands other than `publish`, after `connect` has named
/// the expected app. From the first chunk of anything else (an unfinished command, media,
/// metadata) everything is held until a `publish` names the stream key (`.verified`: the
/// held bytes and all later ones may pass) or something is wrong (`.refused`).
struct RTMPHandshakeSniffer {
    /// What the caller may do with the bytes fed so far.
    enum Verdict: Equatable {
        /// Nothing more may be released yet.
        case needMore
        /// Bytes [0, n) of the stream may be forwarded (n only grows); more are needed.
        case forwardUpTo(Int)
        /// The publisher presented the key: forward everything from now on.
        case verified
        /// Close the connection.
        case refused(RTMPRefusal)
    }

    static let handshakeBytes = 1 + 1536 + 1536
    static let defaultByteLimit = 64 * 1024

    let expectedApp: String
    let streamKey: String
    let byteLimit: Int
    /// Bytes fed so far.
    private(set) var receivedBytes = 0
    private(set) var releasedBytes = 0
    private var final: Verdict?
    // Bytes not yet parsed start at `unparsed[parsePosition]`, which is `unparsedOffset`
    // in the stream; the parsed prefix is dropped once per feed.
    private var unparsed: [UInt8] = []
    private var parsePosition = 0
    private var unparsedOffset = 0
    private var heldFrom: Int?
    private var connected = false
    private var reader = RTMPChunkReader(keptTypes: [RTMPMessage.setChunkSize, RTMPMessage.abort, RTMPMessage.amf3Command, RTMPMessage.amf0Command],
                                         maximumKeptLengthBytes: 16 * 1024)

    init(expectedApp: String, streamKey: String, byteLimit: Int = Self.defaultByteLimit) {
        self.expectedApp = Self.normalized(expectedApp)
        self.streamKey = streamKey
        self.byteLimit = byteLimit
    }

    /// Takes the next client bytes and says what may be forwarded.
    mutating func feed(_ bytes: some Collection<UInt8>) -> Verdict {
        if let final { return final }
        receivedBytes += bytes.count
        unparsed.append(contentsOf: bytes)
        let verdict = evaluate()
        unparsed.removeFirst(parsePosition)
        parsePosition = 0
        if case .refused = verdict { final = verdict }
        if case .verified = verdict { final = verdict }
        return verdict
    }

    private mutating func evaluate() -> Verdict {
        if unparsedOffset == 0, let version = unparsed.first, version != 3 {
            return .refused(.notRTMP(firstByte: version))
        }
        if unparsedOffset < Self.handshakeBytes {
            consume(min(unparsed.count - parsePosition, Self.handshakeBytes - unparsedOffset))
        }
        while unparsedOffset >= Self.handshakeBytes, parsePosition < unparsed.count {
            let step: RTMPChunkReader.Step
            do { step = try reader.readChunk(unparsed[parsePosition...], offset: unparsedOffset) } catch {
                return .refused(.malformed(error.description))
            }
            guard case .chunk(let byteCount, let completed) = step else { break }
            consume(byteCount)
            if let completed, let decided = inspect(completed) { return decided }
        }
        if receivedBytes > byteLimit { return .refused(.tooManyBytes(limitBytes: byteLimit)) }
        let releasable = [heldFrom, reader.earliestOpenMessageOffset, unparsedOffset].compactMap { $0 }.min() ?? unparsedOffset
        guard releasable > releasedBytes else { return .needMore }
        releasedBytes = releasable
        return .forwardUpTo(releasable)
    }

    private mutating func consume(_ count: Int) {
        parsePosition += count
        unparsedOffset += count
    }

    /// The verdict a complete message forces, or nil to go on.
    private mutating func inspect(_ message: RTMPMessage) -> Verdict? {
        switch message.typeID {
        case RTMPMessage.setChunkSize:
            guard message.payload.count == 4 else { return .refused(.malformed("Set Chunk Size of \(message.payload.count) bytes")) }
            let size = message.payload.reduce(0) { $0 << 8 | Int($1) } & 0x7FFF_FFFF
            guard size > 0 else { return .refused(.malformed("chunk size 0")) }
            reader.chunkSizeBytes = size
        case RTMPMessage.abort:
            guard message.payload.count == 4 else { return .refused(.malformed("Abort of \(message.payload.count) bytes")) }
            reader.abort(chunkStreamID: message.payload.reduce(0) { $0 << 8 | Int($1) })
        case 3...6:
            break  // acknowledgements, user control, window sizes: harmless
        case RTMPMessage.amf0Command, RTMPMessage.amf3Command:
            return inspectCommand(message)
        default:
            // Media or metadata before `publish` goes no further until the key is checked.
            if heldFrom == nil { heldFrom = message.firstChunkOffset }
        }
        return nil
    }

    private mutating func inspectCommand(_ message: RTMPMessage) -> Verdict? {
        var payload = message.payload
        // An AMF3 command message starts with a format byte, then AMF0 values.
        if message.typeID == RTMPMessage.amf3Command, payload.first == 0 { payload.removeFirst() }
        var amf = AMF0Reader(payload)
        let values: [AMF0Value]
        do { values = try amf.readAll() } catch { return .refused(.malformed(error.description)) }
        guard let name = values.first?.stringValue else { return .refused(.malformed("a command without a name")) }
        switch name {
        case "connect":
            guard let app = values.dropFirst(2).first?[property: "app"]?.stringValue else {
                return .refused(.malformed("connect without an app"))
            }
            guard Self.normalized(app) == expectedApp else { return .refused(.wrongApp(app)) }
            connected = true
        case _ where !connected:
            return .refused(.malformed("'\(RTMPRefusal.printable(name))' before connect"))
        case "publish":
            guard let streamName = values.dropFirst(3).first?.stringValue else { return .refused(.malformed("publish without a stream name")) }
            return matchesKey(streamName) ? .verified : .refused(.wrongStreamKey)
        case "releaseStream", "FCPublish":
            // They name the stream too; a wrong one is refused before the transcoder sees it.
            if let streamName = values.dropFirst(3).first?.stringValue, !matchesKey(streamName) {
                return .refused(.wrongStreamKey)
            }
        case "play", "play2":
            return .refused(.notPublishing(name))
        default:
            break
        }
        return nil
    }

    /// The stream name without its `?query`, compared in constant time with the key.
    private func matchesKey(_ streamName: String) -> Bool {
        let name = Array((streamName.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").utf8)
        let key = Array(streamKey.utf8)
        var difference = name.count ^ key.count
        for index in key.indices { difference |= Int((index < name.count ? name[index] : 0) ^ key[index]) }
        return difference == 0
    }

    /// An app as compared: without `?query` and trailing slashes.
    static func normalized(_ app: String) -> String {
        var result = String(app.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        while result.hasSuffix("/") { result.removeLast() }
        return result
    }
}
