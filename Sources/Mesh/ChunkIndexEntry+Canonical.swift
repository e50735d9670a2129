/// The canonical binary form of an entry: what the origin signs.
///
/// Version 1, fixed layout, all integers big-endian, names as one length byte + UTF-8:
///
/// ```
/// "MSIX"  magic                      4 bytes
/// 0x01    version                    1
/// flags   bit 0: independent         1   (other bits zero)
/// stream  length + UTF-8             1 + 1…255
/// rendition length + UTF-8           1 + 1…255
/// media sequence                     8   (u64)
/// part index                         4   (u32)
/// presentation time value            8   (i64)
/// timescale Hz                       4   (u32)
/// duration µs                        8   (u64)
/// length bytes                       8   (u64)
/// SHA-256                           32
/// ```
extension ChunkIndexEntry {
    /// The version this build writes and the only one it reads.
    public static let canonicalVersion: UInt8 = 1
    static let canonicalMagic: [UInt8] = Array("MSIX".utf8)

    /// The entry's canonical encoding (version 1).
    public var canonicalBytes: [UInt8] {
        var w = ByteWriter()
        w.append(Self.canonicalMagic)
        w.append(Self.canonicalVersion)
        w.append(isIndependent ? UInt8(1) : 0)
        w.appendName(id.stream)
        w.appendName(id.rendition)
        w.append(id.mediaSequence)
        w.append(id.partIndex)
        w.append(UInt64(bitPattern: presentationTimeValue))
        w.append(timescaleHz)
        w.append(durationMicroseconds)
        w.append(lengthBytes)
        w.append(sha256)
        return w.bytes
    }

    /// Decodes a canonical encoding; throws on a wrong magic or version, unknown flags,
    /// truncation, trailing bytes or a field that fails validation.
    public init(canonicalBytes bytes: [UInt8]) throws(ChunkIndexEntryError) {
        var r = ByteReader(bytes)
        guard r.take(4) == Self.canonicalMagic else { throw .malformedEncoding("not an index entry (magic)") }
        guard let version = r.byte(), version == Self.canonicalVersion else {
            throw .malformedEncoding("unsupported version")
        }
        guard let flags = r.byte(), flags & ~1 == 0 else { throw .malformedEncoding("unknown flags") }
        guard let stream = r.name(), let rendition = r.name(),
              let sequence = r.uint64(), let part = r.uint32(), let pts = r.uint64(), let timescale = r.uint32(),
              let duration = r.uint64(), let length = r.uint64(), let digest = r.take(32)
        else { throw .malformedEncoding("truncated") }
        guard r.isAtEnd else { throw .malformedEncoding("trailing bytes") }
        try self.init(
            id: ChunkID(stream: stream, rendition: rendition, mediaSequence: sequence, partIndex: part),
            presentationTimeValue: Int64(bitPattern: pts), timescaleHz: timescale, durationMicroseconds: duration,
            isIndependent: flags & 1 == 1, lengthBytes: length, sha256: digest
        )
    }
}

/// Appends big-endian integers and length-prefixed names.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ raw: [UInt8]) { bytes += raw }
    mutating func append(_ value: UInt8) { bytes.append(value) }
    mutating func append<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        for shift in stride(from: T.bitWidth - 8, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
    /// One length byte, then UTF-8; callers have validated the length.
    mutating func appendName(_ name: String) {
        let utf8 = Array(name.utf8)
        append(UInt8(utf8.count))
        append(utf8)
    }
}

/// Reads what ``ByteWriter`` wrote; every read is nil past the end.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
    mutating func byte() -> UInt8? { take(1)?.first }
    mutating func uint32() -> UInt32? { take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } } }
    mutating func uint64() -> UInt64? { take(8).map { $0.reduce(0) { $0 << 8 | UInt64($1) } } }
    mutating func name() -> String? {
        guard let count = byte(), let utf8 = take(Int(count)) else { return nil }
        return String(validating: utf8, as: UTF8.self)
    }
}
