/// The fixed-layout header that precedes a chunk's bytes when the relay sends it.
///
/// Version 1 layout, 48 bytes, big-endian:
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | magic `"MSCK"` |
/// | 4 | 1 | version (1) |
/// | 5 | 1 | header length in bytes (48): the length prefix of the header itself |
/// | 6 | 1 | ``ChunkKind`` raw value |
/// | 7 | 1 | flags: bit 0 keyframe, bit 1 has presentation time; other bits zero |
/// | 8 | 8 | stream offset in bytes |
/// | 16 | 4 | payload length in bytes (the chunk that follows) |
/// | 20 | 4 | timescale in Hz (0 exactly when there is no presentation time) |
/// | 24 | 8 | presentation time in ticks (0 when there is none) |
/// | 32 | 8 | payload checksum, XXH3-64 |
/// | 40 | 8 | header checksum: XXH3-64 of bytes 0 ..< 40 |
public struct ChunkFrameHeader: Sendable, Hashable {
    public static let magic: (UInt8, UInt8, UInt8, UInt8) = (0x4D, 0x53, 0x43, 0x4B)  // "MSCK"
    public static let currentVersion: UInt8 = 1
    public static let encodedBytes = 48
    /// The default bound on the payload a parser accepts: 64 MiB.
    public static let defaultMaxPayloadBytes: UInt32 = 64 << 20

    public var streamOffsetBytes: UInt64
    public var payloadLengthBytes: UInt32
    public var kind: ChunkKind
    public var isKeyframe: Bool
    public var presentationTime: MediaTime?
    public var payloadChecksum: UInt64

    public init(
        streamOffsetBytes: UInt64, payloadLengthBytes: UInt32, kind: ChunkKind, isKeyframe: Bool,
        presentationTime: MediaTime?, payloadChecksum: UInt64
    ) {
        self.streamOffsetBytes = streamOffsetBytes
        self.payloadLengthBytes = payloadLengthBytes
        self.kind = kind
        self.isKeyframe = isKeyframe
        self.presentationTime = presentationTime
        self.payloadChecksum = payloadChecksum
    }

    /// The header for `chunk`; `nil` if the chunk is longer than a UInt32 length can say.
    public init?(_ chunk: Chunk) {
        guard let length = UInt32(exactly: chunk.lengthBytes) else { return nil }
        self.init(
            streamOffsetBytes: chunk.offsetBytes, payloadLengthBytes: length, kind: chunk.kind,
            isKeyframe: chunk.isKeyframe, presentationTime: chunk.presentationTime,
            payloadChecksum: chunk.checksum)
    }

    /// Writes the 48 header bytes to `out` (which must hold at least 48 bytes).
    public func encode(into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= Self.encodedBytes, "a frame header needs \(Self.encodedBytes) bytes")
        let o = out.baseAddress!
        o.storeBytes(of: Self.magic.0, toByteOffset: 0, as: UInt8.self)
        o.storeBytes(of: Self.magic.1, toByteOffset: 1, as: UInt8.self)
        o.storeBytes(of: Self.magic.2, toByteOffset: 2, as: UInt8.self)
        o.storeBytes(of: Self.magic.3, toByteOffset: 3, as: UInt8.self)
        o.storeBytes(of: Self.currentVersion, toByteOffset: 4, as: UInt8.self)
        o.storeBytes(of: UInt8(Self.encodedBytes), toByteOffset: 5, as: UInt8.self)
        o.storeBytes(of: kind.rawValue, toByteOffset: 6, as: UInt8.self)
        let flags: UInt8 = (isKeyframe ? 1 : 0) | (presentationTime != nil ? 2 : 0)
        o.storeBytes(of: flags, toByteOffset: 7, as: UInt8.self)
        o.storeBytes(of: streamOffsetBytes.bigEndian, toByteOffset: 8, as: UInt64.self)
        o.storeBytes(of: payloadLengthBytes.bigEndian, toByteOffset: 16, as: UInt32.self)
        o.storeBytes(of: (presentationTime?.timescaleHz ?? 0).bigEndian, toByteOffset: 20, as: UInt32.self)
        o.storeBytes(of: UInt64(bitPattern: presentationTime?.value ?? 0).bigEndian, toByteOffset: 24, as: UInt64.self)
        o.storeBytes(of: payloadChecksum.bigEndian, toByteOffset: 32, as: UInt64.self)
        let headerChecksum = XXH3.hash64(UnsafeRawBufferPointer(start: o, count: 40))
        o.storeBytes(of: headerChecksum.bigEndian, toByteOffset: 40, as: UInt64.self)
    }

    /// The 48 encoded bytes.
    public var encoded: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.encodedBytes)
        bytes.withUnsafeMutableBytes { encode(into: $0) }
        return bytes
    }

    /// Parses and validates a header at the start of `bytes`: every field is checked, and a
    /// payload longer than `maxPayloadBytes` is refused before anyone allocates for it.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, maxPayloadBytes: UInt32 = defaultMaxPayloadBytes
    ) throws(ChunkFrameHeaderError) -> ChunkFrameHeader {
        guard bytes.count >= 6 else {
            throw .truncated(availableBytes: bytes.count, requiredBytes: max(6, encodedBytes))
        }
        guard bytes[0] == magic.0, bytes[1] == magic.1, bytes[2] == magic.2, bytes[3] == magic.3 else {
            throw .badMagic
        }
        guard bytes[4] == currentVersion else { throw .unsupportedVersion(bytes[4]) }
        guard Int(bytes[5]) == encodedBytes else { throw .headerLengthMismatch(bytes[5]) }
        guard bytes.count >= encodedBytes else {
            throw .truncated(availableBytes: bytes.count, requiredBytes: encodedBytes)
        }
        let stored = be64(bytes, 40)
        guard XXH3.hash64(UnsafeRawBufferPointer(rebasing: bytes[0..<40])) == stored else {
            throw .headerChecksumMismatch
        }
        guard let kind = ChunkKind(rawValue: bytes[6]) else { throw .unknownKind(bytes[6]) }
        let flags = bytes[7]
        guard flags & ~0x03 == 0 else { throw .reservedFlagsSet(flags) }
        let length = be32(bytes, 16)
        guard length <= maxPayloadBytes else {
            throw .payloadTooLarge(lengthBytes: length, limitBytes: maxPayloadBytes)
        }
        let offset = be64(bytes, 8)
        guard offset <= UInt64.max - UInt64(length) else { throw .offsetOverflow }
        let timescale = be32(bytes, 20)
        let ticks = Int64(bitPattern: be64(bytes, 24))
        let hasTime = flags & 0x02 != 0
        guard hasTime == (timescale != 0), hasTime || ticks == 0 else {
            throw .inconsistentPresentationTime(timescaleHz: timescale, hasTimeFlag: hasTime)
        }
        return ChunkFrameHeader(
            streamOffsetBytes: offset, payloadLengthBytes: length, kind: kind, isKeyframe: flags & 0x01 != 0,
            presentationTime: hasTime ? MediaTime(value: ticks, timescaleHz: timescale) : nil,
            payloadChecksum: be64(bytes, 32))
    }

    /// Checks that `payload` is the chunk this header announces.
    public func verify(payload: UnsafeRawBufferPointer) throws(ChunkFrameHeaderError) {
        guard payload.count == Int(payloadLengthBytes) else {
            throw .payloadLengthMismatch(expectedBytes: payloadLengthBytes, actualBytes: payload.count)
        }
        guard XXH3.hash64(payload) == payloadChecksum else { throw .payloadChecksumMismatch }
    }
}

/// Why a frame header or its payload was refused.
public enum ChunkFrameHeaderError: Error, Sendable, Hashable {
    /// Fewer bytes than a header needs.
    case truncated(availableBytes: Int, requiredBytes: Int)
    /// The first four bytes are not `"MSCK"`.
    case badMagic
    /// A version this build does not read.
    case unsupportedVersion(UInt8)
    /// The header-length byte does not match the version's layout.
    case headerLengthMismatch(UInt8)
    /// The header's own checksum does not match its bytes.
    case headerChecksumMismatch
    /// A kind byte with no ``ChunkKind``.
    case unknownKind(UInt8)
    /// Flag bits this version does not define are set.
    case reservedFlagsSet(UInt8)
    /// The payload is longer than the parser's limit.
    case payloadTooLarge(lengthBytes: UInt32, limitBytes: UInt32)
    /// Offset plus length overflows 64 bits.
    case offsetOverflow
    /// The has-time flag and the timescale disagree (or ticks without a time).
    case inconsistentPresentationTime(timescaleHz: UInt32, hasTimeFlag: Bool)
    /// The payload has a different length than announced.
    case payloadLengthMismatch(expectedBytes: UInt32, actualBytes: Int)
    /// The payload's XXH3-64 differs from the header's.
    case payloadChecksumMismatch
}
