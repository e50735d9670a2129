/// Cuts an MPEG transport stream at random-access points.
///
/// It locks onto the 188-byte packet grid (three sync bytes 188 apart) and relocks after
/// garbage, which stays in the chunk it interrupts. A chunk starts at a video packet whose
/// adaptation field sets random_access_indicator, or that starts a PES whose H.264/HEVC
/// payload begins an IDR/IRAP picture (or its SPS/VPS); the run of PAT/PMT/SDT packets right
/// before that packet moves into the new chunk, so each chunk starts with its tables. Video
/// PIDs come from the PMT (before one is seen: PES stream ids 0xE0–0xEF). Past
/// `maxChunkBytes` a chunk ends at the next packet.
public struct TSChunker: StreamChunker {
    public static let packetBytes = 188
    static let syncByte: UInt8 = 0x47

    /// Past this size a chunk ends at the next packet even without a random-access point.
    public let maxChunkBytes: UInt64

    var assembler: ChunkAssembler
    private var streamOffset: UInt64 = 0
    private var locked = false
    /// Bytes from the previous piece(s) not yet processed: a partial packet when locked, or
    /// up to three packets' worth being checked for sync when not. The stream is always
    /// [hashed] + carry + rest of piece.
    private var carry = TSCarry()
    private var psi = TSProgramTables()
    /// Number of times the grid was lost and found again.
    public private(set) var resyncCount = 0
    private var everLocked = false

    public init(maxChunkBytes: UInt64 = 32 << 20, computesChecksums: Bool = true) {
        self.maxChunkBytes = maxChunkBytes
        self.assembler = ChunkAssembler(computesChecksums: computesChecksums)
        self.assembler.meta = ChunkMeta(kind: .transportStream, isKeyframe: false, presentationTime: nil)
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (Chunk) -> Void) {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return }
        let n = bytes.count
        var cursor = 0
        // Drain the carry first, topping it up from this piece.
        while carry.count > 0 {
            let needed = locked ? Self.packetBytes : 3 * Self.packetBytes - 187
            if carry.count < needed {
                let take = min(needed - carry.count, n - cursor)
                carry.append(p + cursor, count: take)
                cursor += take
                if carry.count < needed { break }
            }
            processCarryFront(emit: emit)
        }
        if carry.count == 0 {
            cursor = processPiece(p, from: cursor, count: n, emit: emit)
            if cursor < n { carry.append(p + cursor, count: n - cursor) }
        }
        streamOffset += UInt64(n)
    }

    @discardableResult
    public mutating func finish(emit: (Chunk) -> Void) -> ChunkStreamEnd {
        var end = ChunkStreamEnd.complete
        if carry.count > 0 {
            if locked {
                end = .truncated(
                    unit: "TS packet", atOffsetBytes: assembler.position,
                    missingBytes: UInt64(Self.packetBytes - carry.count))
            }
            carry.withBytes { assembler.hash($0, count: carry.count) }
            carry.removeAll()
        }
        assembler.finish(emit: emit)
        return end
    }

    // MARK: - Packets

    /// Plain packets (see ``TSPlainPackets``) are skipped in spans of about this many bytes,
    /// each hashed right after its headers were read, while its bytes are still in cache.
    static let spanBytes = 32 << 10

    /// Processes whole packets in `p[from..<count]`; returns where the unprocessed tail starts.
    private mutating func processPiece(_ p: UnsafeRawPointer, from: Int, count n: Int, emit: (Chunk) -> Void) -> Int {
        let b = p.assumingMemoryBound(to: UInt8.self)
        var i = from
        var hashedTo = from  // piece bytes before this are hashed
        // A packet starting below this is whole in the piece.
        let wholeBelow = n - Self.packetBytes + 1
        while true {
            if !locked {
                // Look for three sync bytes a packet apart.
                guard let q = ByteScan.firstIndex(of: Self.syncByte, in: p, from: i, end: n) else {
                    i = n
                    break
                }
                if q + 2 * Self.packetBytes >= n {
                    i = q
                    break
                }
                if b[q + Self.packetBytes] == Self.syncByte && b[q + 2 * Self.packetBytes] == Self.syncByte {
                    didLock()
                    i = q
                } else {
                    i = q + 1
                }
                continue
            }
            if i >= wholeBelow { break }
            // With a candidate open every packet decides it; past the size bound every
            // packet is a cut point. Otherwise plain packets only need hashing.
            if !assembler.hasCandidate {
                let end = min(wholeBelow, i + Self.spanBytes, sizeBoundIndex(count: n))
                let stop = psi.plainPackets.firstNotPlain(p, from: i, end: end, tables: psi)
                if stop > i {
                    assembler.hash(p + hashedTo, count: stop - hashedTo)
                    hashedTo = stop
                    i = stop
                    continue
                }
            }
            if b[i] != Self.syncByte {
                locked = false
                continue
            }
            let role = psi.examine(p + i)
            let at = streamOffset + UInt64(i)
            if role != .none || assembler.hasCandidate || at - assembler.chunkStart >= maxChunkBytes {
                assembler.hash(p + hashedTo, count: i - hashedTo)
                hashedTo = i
                apply(role, emit: emit)
            }
            i += Self.packetBytes
        }
        assembler.hash(p + hashedTo, count: i - hashedTo)
        return i
    }

    /// The piece index from which packets are at or past the current chunk's size bound.
    private func sizeBoundIndex(count n: Int) -> Int {
        let (bound, overflow) = assembler.chunkStart.addingReportingOverflow(maxChunkBytes)
        if overflow || bound >= streamOffset + UInt64(n) { return n }
        return bound <= streamOffset ? 0 : Int(bound - streamOffset)
    }

    /// Processes the packet (or garbage byte) at the front of the carry.
    private mutating func processCarryFront(emit: (Chunk) -> Void) {
        if !locked {
            let synced = carry.withBytes { c -> Bool in
                let b = c.assumingMemoryBound(to: UInt8.self)
                return b[0] == Self.syncByte && b[Self.packetBytes] == Self.syncByte
                    && b[2 * Self.packetBytes] == Self.syncByte
            }
            if synced {
                didLock()
            } else {
                // Not a grid start: hash bytes up to the next candidate sync byte.
                let skip = carry.withBytes { c in
                    ByteScan.firstIndex(of: Self.syncByte, in: c, from: 1, end: carry.count) ?? carry.count
                }
                carry.withBytes { assembler.hash($0, count: skip) }
                carry.removeFirst(skip)
                return
            }
        }
        guard carry.count >= Self.packetBytes else { return }
        let isSync = carry.withBytes { $0.load(as: UInt8.self) == Self.syncByte }
        if !isSync {
            locked = false
            return
        }
        let role = carry.withBytes { psi.examine($0) }
        apply(role, emit: emit)
        carry.withBytes { assembler.hash($0, count: Self.packetBytes) }
        carry.removeFirst(Self.packetBytes)
    }

    private mutating func didLock() {
        if everLocked { resyncCount += 1 }
        everLocked = true
        locked = true
    }

    /// Acts on a packet at the hash position.
    private mutating func apply(_ role: TSPacketRole, emit: (Chunk) -> Void) {
        switch role {
        case .tables:
            if assembler.position - assembler.chunkStart >= maxChunkBytes && !assembler.hasCandidate {
                assembler.cut(ChunkMeta(kind: .transportStream, isKeyframe: false, presentationTime: nil), emit: emit)
            }
            assembler.markCandidate()
        case .randomAccess:
            let meta = ChunkMeta(kind: .transportStream, isKeyframe: true, presentationTime: psi.lastPTS)
            if assembler.hasCandidate {
                assembler.confirmCandidate(meta, emit: emit)
            } else {
                assembler.cut(meta, emit: emit)
            }
        case .none:
            let start = assembler.hasCandidate ? assembler.candidateStart : assembler.position
            if start - assembler.chunkStart >= maxChunkBytes {
                let meta = ChunkMeta(kind: .transportStream, isKeyframe: false, presentationTime: nil)
                if assembler.hasCandidate {
                    assembler.confirmCandidate(meta, emit: emit)
                } else {
                    assembler.cut(meta, emit: emit)
                }
            } else if assembler.hasCandidate {
                assembler.dropCandidate()
            }
        }
    }
}

/// Up to three packets of carried bytes, in one buffer allocated with the chunker (copy-on-
/// write, so a copied chunker stays independent).
struct TSCarry {
    static let capacityBytes = 4 * TSChunker.packetBytes
    private var storage = CarryStorage()
    private(set) var count = 0

    private final class CarryStorage {
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: TSCarry.capacityBytes, alignment: 16)
        deinit { bytes.deallocate() }
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            let fresh = CarryStorage()
            fresh.bytes.copyMemory(from: storage.bytes, byteCount: count)
            storage = fresh
        }
    }

    mutating func append(_ p: UnsafeRawPointer, count n: Int) {
        if n <= 0 { return }
        precondition(count + n <= Self.capacityBytes, "TS carry overflow")
        makeUnique()
        (storage.bytes + count).copyMemory(from: p, byteCount: n)
        count += n
    }

    mutating func removeFirst(_ n: Int) {
        makeUnique()
        let rest = count - n
        storage.bytes.copyMemory(from: storage.bytes + n, byteCount: rest)
        count = rest
    }

    mutating func removeAll() { count = 0 }

    func withBytes<R>(_ body: (UnsafeRawPointer) -> R) -> R {
        body(UnsafeRawPointer(storage.bytes))
    }
}
