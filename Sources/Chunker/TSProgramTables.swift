/// What a transport stream packet means for cutting.
enum TSPacketRole: Equatable {
    /// Nothing: payload of an ongoing stream.
    case none
    /// PAT, PMT or SDT: belongs at the head of the next chunk if a random-access point follows.
    case tables
    /// A video random-access point: a chunk starts here.
    case randomAccess
}

/// The program tables a TS chunker learns (PAT → PMT PIDs → video PIDs and codecs), in
/// fixed inline storage: no heap.
struct TSProgramTables {
    private var pmtPIDs = SIMD8<UInt16>(repeating: 0xFFFF)
    private var pmtCount = 0
    /// The first PMT PID as a plain scalar: the per-packet check reads only this.
    private var firstPMTPID: UInt16 = 0xFFFF
    private var videoPIDs = SIMD8<UInt16>(repeating: 0xFFFF)
    /// Per video PID: true for HEVC, false for H.264 / other.
    private var videoIsHEVC = SIMD8<UInt8>(repeating: 0)
    private var videoCount = 0
    private var sawPMT = false
    /// The PTS of the last random-access PES examined.
    private(set) var lastPTS: MediaTime?

    /// The fast-path filter for the table PIDs known now (changes only when a PAT is parsed).
    var plainPackets: TSPlainPackets { TSPlainPackets(firstPMTPID: firstPMTPID, pmtCount: pmtCount) }

    /// Whether the packet's PID carries PAT, SDT or a PMT.
    @inline(__always)
    func isTablePID(_ b: UnsafePointer<UInt8>) -> Bool {
        let pid = UInt16(b[1] & 0x1F) << 8 | UInt16(b[2])
        if pid == 0 || pid == 0x11 || pid == firstPMTPID { return true }
        if pmtCount < 2 { return false }
        var i = 1
        while i < pmtCount {
            if pmtPIDs[i] == pid { return true }
            i += 1
        }
        return false
    }

    mutating func examine(_ packet: UnsafeRawPointer) -> TSPacketRole {
        let b = packet.assumingMemoryBound(to: UInt8.self)
        let pid = UInt16(b[1] & 0x1F) << 8 | UInt16(b[2])
        let unitStart = b[1] & 0x40 != 0
        let adaptation = (b[3] >> 4) & 0x3
        var payload = 4
        var randomAccess = false
        if adaptation & 0x2 != 0 {
            let length = Int(b[4])
            if length > 183 { return .none }  // corrupt: ignore the packet
            if length > 0 { randomAccess = b[5] & 0x40 != 0 }
            payload = 5 + length
        }
        let hasPayload = adaptation & 0x1 != 0 && payload < TSChunker.packetBytes

        if pid == 0 {
            if unitStart && hasPayload { parsePAT(b, payload) }
            return .tables
        }
        if pid == 0x11 { return .tables }
        if indexOf(pid, in: pmtPIDs, count: pmtCount) != nil {
            if unitStart && hasPayload { parsePMT(b, payload) }
            return .tables
        }
        let videoIndex = indexOf(pid, in: videoPIDs, count: videoCount)
        var isVideo = videoIndex != nil
        var isHEVC = videoIndex.map { videoIsHEVC[$0] != 0 } ?? false
        let isPESStart = unitStart && hasPayload && payload + 9 <= 188 && b[payload] == 0 && b[payload + 1] == 0
            && b[payload + 2] == 1
        if !isVideo && !sawPMT && isPESStart && b[payload + 3] & 0xF0 == 0xE0 {
            // No PMT yet: a video PES stream id marks the PID as video (codec from its NALs).
            isVideo = true
            isHEVC = false
        }
        guard isVideo else { return .none }
        if !randomAccess && !isPESStart { return .none }
        var pts: MediaTime?
        var startsIRAP = false
        if isPESStart {
            let flags = b[payload + 7]
            let headerLength = Int(b[payload + 8])
            if flags & 0x80 != 0 && payload + 14 <= 188 {
                let p = payload + 9
                var value = UInt64(b[p] & 0x0E) << 29
                value |= UInt64(b[p + 1]) << 22 | UInt64(b[p + 2] & 0xFE) << 14
                value |= UInt64(b[p + 3]) << 7 | UInt64(b[p + 4] >> 1)
                pts = MediaTime(value: Int64(value), timescaleHz: 90_000)
            }
            let es = payload + 9 + headerLength
            if es < 188 {
                startsIRAP = Self.payloadStartsIRAP(packet + es, count: 188 - es, hevc: isHEVC, unknownCodec: videoIndex == nil)
            }
        }
        if randomAccess || startsIRAP {
            lastPTS = pts
            return .randomAccess
        }
        return .none
    }

    /// Whether the NAL units at the start of a PES payload begin an IDR/IRAP access unit:
    /// an IDR/IRAP slice, or a sequence parameter set (VPS/SPS), before any other slice.
    static func payloadStartsIRAP(_ p: UnsafeRawPointer, count: Int, hevc: Bool, unknownCodec: Bool) -> Bool {
        let b = p.assumingMemoryBound(to: UInt8.self)
        var from = 0
        while let j = ByteScan.firstStartCodeScalar(p, from: from, end: count) {
            let h = j + 3
            if h >= count { return false }
            if hevc || unknownCodec {
                let t = (b[h] >> 1) & 0x3F
                if hevc {
                    if (t >= 16 && t <= 23) || t == 32 || t == 33 { return true }
                    if t <= 9 { return false }
                    from = h
                    continue
                }
            }
            let t = b[h] & 0x1F
            if t == 5 || t == 7 { return true }
            if t >= 1 && t <= 4 { return false }
            from = h
        }
        return false
    }

    private func indexOf(_ pid: UInt16, in pids: SIMD8<UInt16>, count: Int) -> Int? {
        for i in 0..<count where pids[i] == pid { return i }
        return nil
    }

    /// Section start (after pointer_field) and end (before CRC) within the packet, if whole.
    private func section(_ b: UnsafePointer<UInt8>, _ payload: Int) -> (start: Int, end: Int)? {
        let start = payload + 1 + Int(b[payload])
        guard start + 3 <= 188 else { return nil }
        let length = Int(b[start + 1] & 0x0F) << 8 | Int(b[start + 2])
        let end = start + 3 + length - 4
        guard length >= 9, end <= 188 - 0 else { return nil }
        return (start, end)
    }

    private mutating func parsePAT(_ b: UnsafePointer<UInt8>, _ payload: Int) {
        guard let (start, end) = section(b, payload), b[start] == 0x00 else { return }
        var i = start + 8
        while i + 4 <= end {
            let program = UInt16(b[i]) << 8 | UInt16(b[i + 1])
            let pid = UInt16(b[i + 2] & 0x1F) << 8 | UInt16(b[i + 3])
            if program != 0 && indexOf(pid, in: pmtPIDs, count: pmtCount) == nil && pmtCount < 8 {
                pmtPIDs[pmtCount] = pid
                if pmtCount == 0 { firstPMTPID = pid }
                pmtCount += 1
            }
            i += 4
        }
    }

    private mutating func parsePMT(_ b: UnsafePointer<UInt8>, _ payload: Int) {
        guard let (start, end) = section(b, payload), b[start] == 0x02 else { return }
        guard start + 12 <= end else { return }
        sawPMT = true
        let infoLength = Int(b[start + 10] & 0x0F) << 8 | Int(b[start + 11])
        var i = start + 12 + infoLength
        while i + 5 <= end {
            let streamType = b[i]
            let pid = UInt16(b[i + 1] & 0x1F) << 8 | UInt16(b[i + 2])
            let esInfoLength = Int(b[i + 3] & 0x0F) << 8 | Int(b[i + 4])
            let isVideo: Bool
            switch streamType {
            case 0x01, 0x02, 0x10, 0x1B, 0x24, 0x42, 0xEA: isVideo = true
            default: isVideo = false
            }
            if isVideo && indexOf(pid, in: videoPIDs, count: videoCount) == nil && videoCount < 8 {
                videoPIDs[videoCount] = pid
                videoIsHEVC[videoCount] = streamType == 0x24 ? 1 : 0
                videoCount += 1
            }
            i += 5 + esInfoLength
        }
    }
}
