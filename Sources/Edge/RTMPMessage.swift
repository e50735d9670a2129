/// One RTMP message reassembled from its chunks, as the gate sees it.
struct RTMPMessage: Equatable, Sendable {
    /// RTMP message type: 1 Set Chunk Size, 2 Abort, 3–6 control, 8 audio, 9 video,
    /// 15/18 data, 17/20 command (AMF3/AMF0), 22 aggregate.
    var typeID: UInt8
    var messageStreamID: UInt32
    var chunkStreamID: Int
    var lengthBytes: Int
    /// The payload, kept only for the types the reader was asked to keep (else empty).
    var payload: [UInt8]
    /// Offset, in the client's byte stream, of the first byte of the message's first chunk.
    var firstChunkOffset: Int

    static let setChunkSize: UInt8 = 1
    static let abort: UInt8 = 2
    static let amf3Command: UInt8 = 17
    static let amf0Command: UInt8 = 20
}

/// Client bytes that break the RTMP chunk stream rules.
struct RTMPProtocolError: Error, Equatable, CustomStringConvertible {
    let description: String
}
