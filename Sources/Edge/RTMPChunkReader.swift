/// Reassembles RTMP messages from the client's chunk stream, one whole chunk at a time:
/// basic header (format and chunk stream id in 1–3 bytes), message header of 11, 7, 3 or
/// 0 bytes, extended timestamp, then up to `chunkSizeBytes` of payload. Pure: no I/O.
struct RTMPChunkReader {
    /// The client's chunk size: 128 until it sends Set Chunk Size.
    var chunkSizeBytes = 128
    /// Message types whose payload is kept (the others are only counted).
    let keptTypes: Set<UInt8>
    /// A kept message longer than this is refused rather than buffered.
    let maximumKeptLengthBytes: Int
    private var streams: [Int: ChunkStreamState] = [:]

    /// What `readChunk` found.
    enum Step: Equatable {
        /// Not a whole chunk yet; nothing was consumed.
        case incomplete
        /// One chunk of `byteCount` bytes consumed; `completed` when it ended a message.
        case chunk(byteCount: Int, completed: RTMPMessage?)
    }

    private struct ChunkStreamState {
        var timestampField: UInt32
        var lengthBytes: Int
        var typeID: UInt8
        var messageStreamID: UInt32
        var messageOpen = false
        var receivedBytes = 0
        var payload: [UInt8] = []
        var firstChunkOffset = 0
    }

    init(keptTypes: Set<UInt8>, maximumKeptLengthBytes: Int) {
        self.keptTypes = keptTypes
        self.maximumKeptLengthBytes = maximumKeptLengthBytes
    }

    /// Offset of the first chunk of the earliest message still missing chunks.
    var earliestOpenMessageOffset: Int? {
        streams.values.filter(\.messageOpen).map(\.firstChunkOffset).min()
    }

    /// Drops the partly received message on `chunkStreamID` (the Abort message).
    mutating func abort(chunkStreamID: Int) {
        guard var state = streams[chunkStreamID] else { return }
        state.messageOpen = false
        state.receivedBytes = 0
        state.payload = []
        streams[chunkStreamID] = state
    }

    /// Reads the chunk at the start of `bytes`, whose first byte is at `offset` in the
    /// client's stream. State changes only when a whole chunk is there.
    mutating func readChunk(_ bytes: ArraySlice<UInt8>, offset: Int) throws(RTMPProtocolError) -> Step {
        var cursor = ByteCursor(bytes)
        guard let first = cursor.integer(byteCount: 1) else { return .incomplete }
        let format = Int(first >> 6)
        var chunkStreamID = Int(first & 0x3F)
        if chunkStreamID == 0 {
            guard let low = cursor.integer(byteCount: 1) else { return .incomplete }
            chunkStreamID = 64 + Int(low)
        } else if chunkStreamID == 1 {
            guard let low = cursor.integer(byteCount: 1), let high = cursor.integer(byteCount: 1) else { return .incomplete }
            chunkStreamID = 64 + Int(low) + Int(high) * 256
        }
        let previous = streams[chunkStreamID]
        guard format == 0 || previous != nil else {
            throw RTMPProtocolError(description: "chunk stream \(chunkStreamID) continues a message header it never sent")
        }
        var state = previous ?? ChunkStreamState(timestampField: 0, lengthBytes: 0, typeID: 0, messageStreamID: 0)
        if format < 3, state.messageOpen {
            throw RTMPProtocolError(description: "chunk stream \(chunkStreamID) starts a message before the last one ended")
        }
        switch format {
        case 0:
            guard let timestamp = cursor.integer(byteCount: 3), let length = cursor.integer(byteCount: 3),
                  let type = cursor.integer(byteCount: 1), let streamID = cursor.littleEndianUInt32() else { return .incomplete }
            state.timestampField = timestamp
            state.lengthBytes = Int(length)
            state.typeID = UInt8(type)
            state.messageStreamID = streamID
        case 1:
            guard let timestamp = cursor.integer(byteCount: 3), let length = cursor.integer(byteCount: 3),
                  let type = cursor.integer(byteCount: 1) else { return .incomplete }
            state.timestampField = timestamp
            state.lengthBytes = Int(length)
            state.typeID = UInt8(type)
        case 2:
            guard let timestamp = cursor.integer(byteCount: 3) else { return .incomplete }
            state.timestampField = timestamp
        default:
            break
        }
        // As libavformat reads it: a chunk carries the 4-byte extended timestamp whenever its
        // (or, for format 3, its stream's last) timestamp field is 0xFFFFFF.
        if state.timestampField == 0xFF_FFFF {
            guard cursor.integer(byteCount: 4) != nil else { return .incomplete }
        }
        if !state.messageOpen {
            state.messageOpen = true
            state.receivedBytes = 0
            state.payload = []
            state.firstChunkOffset = offset
            if keptTypes.contains(state.typeID), state.lengthBytes > maximumKeptLengthBytes {
                throw RTMPProtocolError(description: "a type-\(state.typeID) message of \(state.lengthBytes) bytes")
            }
        }
        let payloadBytes = min(chunkSizeBytes, state.lengthBytes - state.receivedBytes)
        guard let payload = cursor.bytes(payloadBytes) else { return .incomplete }
        if keptTypes.contains(state.typeID) { state.payload.append(contentsOf: payload) }
        state.receivedBytes += payloadBytes
        var completed: RTMPMessage?
        if state.receivedBytes == state.lengthBytes {
            completed = RTMPMessage(
                typeID: state.typeID, messageStreamID: state.messageStreamID, chunkStreamID: chunkStreamID,
                lengthBytes: state.lengthBytes, payload: state.payload, firstChunkOffset: state.firstChunkOffset)
            state.messageOpen = false
            state.payload = []
        }
        streams[chunkStreamID] = state
        return .chunk(byteCount: cursor.consumed, completed: completed)
    }
}

/// Big-endian reads from a slice that answer nil instead of reading past its end.
private struct ByteCursor {
    let bytes: ArraySlice<UInt8>
    private(set) var consumed = 0

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    mutating func integer(byteCount: Int) -> UInt32? {
        guard let slice = self.bytes(byteCount) else { return nil }
        return slice.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func littleEndianUInt32() -> UInt32? {
        integer(byteCount: 4).map { $0.byteSwapped }
    }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard bytes.count - consumed >= count else { return nil }
        let start = bytes.startIndex + consumed
        consumed += count
        return bytes[start..<start + count]
    }
}
