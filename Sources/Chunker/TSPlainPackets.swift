/// The TS chunker's fast path: runs of packets that cannot matter for cutting.
///
/// A *plain* packet is in sync, starts no payload unit, has no adaptation field and is not
/// on a table PID (PAT, SDT, a PMT). Nothing about such a packet can start a chunk, so the
/// chunker only hashes it. Most packets of a stream are plain; this loop is what every byte
/// of a transport stream goes through, so it reads one 32-bit header word per packet and
/// compares it with keys held in registers (no per-packet access to the chunker's state).
struct TSPlainPackets {
    /// Byte 0 (sync), the unit-start bit of byte 1 and the adaptation-field bit of byte 3,
    /// as they sit in a little-endian header word.
    static let shapeMask: UInt32 = 0x2000_40FF
    /// A plain packet's header word masked with ``shapeMask``: sync byte, both bits clear.
    static let plainShape: UInt32 = 0x47
    /// The PID bits of a header word (byte 1 low five bits, byte 2).
    static let pidMask: UInt32 = 0x00FF_1F00

    /// The PID bits of `pid` as they sit in a header word.
    static func key(_ pid: UInt16) -> UInt32 {
        UInt32(pid & 0xFF) << 16 | UInt32(pid >> 8 & 0x1F) << 8
    }

    /// Header-word key of the first PMT PID (PAT and SDT are fixed: 0 and 0x11).
    let pmtKey: UInt32
    /// More than one PMT: the others are checked through the tables (rare).
    let hasMorePMTs: Bool

    init(firstPMTPID: UInt16, pmtCount: Int) {
        // Before a PAT names a PMT: a key with bits outside the PID mask matches nothing.
        pmtKey = pmtCount > 0 ? Self.key(firstPMTPID) : .max
        hasMorePMTs = pmtCount > 1
    }

    /// The start of the first packet at `from`, `from + 188`, … below `end` that is not
    /// plain, or the first such start at or past `end`. `end` must leave a whole packet
    /// readable before it: `end <= count - 187`.
    @inline(__always)
    func firstNotPlain(_ p: UnsafeRawPointer, from: Int, end: Int, tables: TSProgramTables) -> Int {
        let tableKeys = (UInt32(0), Self.key(0x11), pmtKey)
        var i = from
        while i < end {
            let word = UInt32(littleEndian: (p + i).loadUnaligned(as: UInt32.self))
            if word & Self.shapeMask != Self.plainShape { return i }
            let pid = word & Self.pidMask
            if pid == tableKeys.0 || pid == tableKeys.1 || pid == tableKeys.2 { return i }
            if hasMorePMTs && tables.isTablePID((p + i).assumingMemoryBound(to: UInt8.self)) { return i }
            i &+= TSChunker.packetBytes
        }
        return i
    }
}
