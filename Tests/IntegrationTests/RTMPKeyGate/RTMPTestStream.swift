/// Builds client→server RTMP byte streams for the sniffer tests: a handshake, then AMF0
/// commands and other messages cut into chunks at the current chunk size.
struct RTMPTestStream {
    private(set) var bytes: [UInt8] = [3] + [UInt8](repeating: 0x5A, count: 3072)
    private(set) var chunkSizeBytes = 128

    /// One message as its chunks (format 0, then format 3 continuations).
    static func chunks(type: UInt8, payload: [UInt8], chunkStreamID: Int = 3, timestamp: UInt32 = 0,
                       messageStreamID: UInt32 = 0, chunkSizeBytes: Int) -> [[UInt8]] {
        let extended = timestamp >= 0xFF_FFFF
        let field = extended ? 0xFF_FFFF : timestamp
        var chunks: [[UInt8]] = []
        var offset = 0
        repeat {
            var chunk = basicHeader(format: offset == 0 ? 0 : 3, chunkStreamID: chunkStreamID)
            if offset == 0 {
                chunk += bigEndian(field, byteCount: 3) + bigEndian(UInt32(payload.count), byteCount: 3) + [type]
                chunk += bigEndian(messageStreamID.byteSwapped, byteCount: 4)
            }
            if extended { chunk += bigEndian(timestamp, byteCount: 4) }
            let take = min(chunkSizeBytes, payload.count - offset)
            chunk += payload[offset..<offset + take]
            chunks.append(chunk)
            offset += take
        } while offset < payload.count
        return chunks
    }

    /// Appends a message; returns the offset of its first chunk.
    @discardableResult
    mutating func message(type: UInt8, payload: [UInt8], chunkStreamID: Int = 3, timestamp: UInt32 = 0) -> Int {
        let start = bytes.count
        for chunk in Self.chunks(type: type, payload: payload, chunkStreamID: chunkStreamID, timestamp: timestamp,
                                 chunkSizeBytes: chunkSizeBytes) {
            bytes += chunk
        }
        return start
    }

    mutating func append(_ raw: [UInt8]) { bytes += raw }

    /// Set Chunk Size on chunk stream 2; later messages use it.
    mutating func setChunkSize(_ size: Int) {
        message(type: 1, payload: Self.bigEndian(UInt32(size), byteCount: 4), chunkStreamID: 2)
        chunkSizeBytes = size
    }

    @discardableResult
    mutating func command(_ values: [AMF], chunkStreamID: Int = 3, timestamp: UInt32 = 0) -> Int {
        message(type: 20, payload: values.flatMap(\.encoded), chunkStreamID: chunkStreamID, timestamp: timestamp)
    }

    @discardableResult
    mutating func connect(app: String) -> Int {
        command([.string("connect"), .number(1), .object([("app", .string(app)), ("type", .string("nonprivate")),
                                                          ("tcUrl", .string("rtmp://127.0.0.1:1935/\(app)"))])])
    }

    @discardableResult
    mutating func publish(_ name: String, chunkStreamID: Int = 8) -> Int {
        command([.string("publish"), .number(6), .null, .string(name), .string("live")], chunkStreamID: chunkStreamID)
    }

    static func basicHeader(format: UInt8, chunkStreamID: Int) -> [UInt8] {
        switch chunkStreamID {
        case 2...63: [format << 6 | UInt8(chunkStreamID)]
        case 64...319: [format << 6, UInt8(chunkStreamID - 64)]
        default: [format << 6 | 1, UInt8((chunkStreamID - 64) & 0xFF), UInt8((chunkStreamID - 64) >> 8)]
        }
    }

    static func bigEndian(_ value: UInt32, byteCount: Int) -> [UInt8] {
        (0..<byteCount).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }

    /// An AMF0 value to encode.
    indirect enum AMF {
        case number(Double), string(String), null, object([(String, AMF)])

        var encoded: [UInt8] {
            switch self {
            case .number(let value):
                let bits = value.bitPattern
                return [0] + RTMPTestStream.bigEndian(UInt32(bits >> 32), byteCount: 4)
                    + RTMPTestStream.bigEndian(UInt32(truncatingIfNeeded: bits), byteCount: 4)
            case .string(let text):
                return [2] + Self.name(text)
            case .null:
                return [5]
            case .object(let properties):
                var bytes: [UInt8] = [3]
                for (name, value) in properties { bytes += Self.name(name) + value.encoded }
                return bytes + [0, 0, 9]
            }
        }

        private static func name(_ text: String) -> [UInt8] {
            RTMPTestStream.bigEndian(UInt32(text.utf8.count), byteCount: 2) + Array(text.utf8)
        }
    }
}

/// A small deterministic generator, so a failing split can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
