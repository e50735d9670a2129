/// Reads child boxes of an ISO BMFF box payload, bounds-checked: a malformed child ends the
/// walk, never reads outside `bytes`.
struct BoxWalker: IteratorProtocol {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The next child: its type and payload.
    mutating func next() -> (type: UInt32, payload: UnsafeRawBufferPointer)? {
        guard offset + 8 <= bytes.count else { return nil }
        var size = Int(be32(bytes, offset))
        let type = be32(bytes, offset + 4)
        var headerBytes = 8
        if size == 1 {
            guard offset + 16 <= bytes.count else { return nil }
            let large = be64(bytes, offset + 8)
            guard large <= UInt64(bytes.count - offset) else { return nil }
            size = Int(large)
            headerBytes = 16
        } else if size == 0 {
            size = bytes.count - offset
        }
        guard size >= headerBytes, size <= bytes.count - offset else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerBytes)..<(offset + size)])
        offset += size
        return (type, payload)
    }
}

@inline(__always) func be32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
    UInt32(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
}

@inline(__always) func be64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
    UInt64(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
}

/// What the chunker knows of the movie's tracks (from `moov`), inline for up to 8 tracks.
struct CMAFTrackTable {
    private var ids = SIMD8<UInt32>()
    private var timescalesHz = SIMD8<UInt32>()
    private var defaultFlags = SIMD8<UInt32>()
    private var hasDefaultFlags = SIMD8<UInt8>()
    private var isVideo = SIMD8<UInt8>()
    private(set) var count = 0

    private func index(of trackID: UInt32) -> Int? {
        for i in 0..<count where ids[i] == trackID { return i }
        return nil
    }

    /// Learns tracks from a `moov` payload.
    mutating func parseMovie(_ moov: UnsafeRawBufferPointer) {
        count = 0
        var walker = BoxWalker(moov)
        var trexes: [(UInt32, UInt32)] = []
        while let (type, payload) = walker.next() {
            if type == FourCC.trak && count < 8 {
                parseTrack(payload)
            } else if type == FourCC.mvex {
                var inner = BoxWalker(payload)
                while let (t, p) = inner.next() {
                    if t == FourCC.trex && p.count >= 24 { trexes.append((be32(p, 4), be32(p, 20))) }
                }
            }
        }
        for (trackID, flags) in trexes {
            if let i = index(of: trackID) {
                defaultFlags[i] = flags
                hasDefaultFlags[i] = 1
            }
        }
    }

    private mutating func parseTrack(_ trak: UnsafeRawBufferPointer) {
        var trackID: UInt32?
        var timescale: UInt32 = 0
        var video = false
        var walker = BoxWalker(trak)
        while let (type, payload) = walker.next() {
            if type == FourCC.tkhd && payload.count >= 4 {
                let version = payload[0]
                let at = version == 1 ? 20 : 12
                if payload.count >= at + 4 { trackID = be32(payload, at) }
            } else if type == FourCC.mdia {
                var inner = BoxWalker(payload)
                while let (t, p) = inner.next() {
                    if t == FourCC.mdhd && p.count >= 4 {
                        let at = p[0] == 1 ? 20 : 12
                        if p.count >= at + 4 { timescale = be32(p, at) }
                    } else if t == FourCC.hdlr && p.count >= 12 {
                        video = be32(p, 8) == FourCC.vide
                    }
                }
            }
        }
        guard let trackID, index(of: trackID) == nil else { return }
        ids[count] = trackID
        timescalesHz[count] = timescale
        isVideo[count] = video ? 1 : 0
        hasDefaultFlags[count] = 0
        count += 1
    }

    /// Keyframe flag and decode time of a fragment, from its `moof` payload: the first video
    /// track fragment if the movie says which track is video, else the first one.
    func parseFragment(_ moof: UnsafeRawBufferPointer) -> (isKeyframe: Bool, decodeTime: MediaTime?) {
        var chosen: (isKeyframe: Bool, decodeTime: MediaTime?)?
        var walker = BoxWalker(moof)
        while let (type, payload) = walker.next() {
            guard type == FourCC.traf else { continue }
            let fragment = parseTrackFragment(payload)
            let track = fragment.trackID.flatMap { index(of: $0) }
            let video = track.map { isVideo[$0] != 0 } ?? false
            if chosen == nil || video {
                chosen = (fragment.isKeyframe(video: video), fragment.decodeTime(timescaleHz: track.map { timescalesHz[$0] } ?? 0))
                if video { break }
            }
        }
        return chosen ?? (false, nil)
    }

    private struct TrackFragment {
        var trackID: UInt32?
        var firstSampleFlags: UInt32?
        var baseMediaDecodeTime: UInt64?

        func isKeyframe(video: Bool) -> Bool {
            // sample_is_non_sync_sample is bit 16 of the sample flags.
            guard let flags = firstSampleFlags else { return !video }
            return flags & 0x0001_0000 == 0
        }

        func decodeTime(timescaleHz: UInt32) -> MediaTime? {
            guard let t = baseMediaDecodeTime, timescaleHz > 0, t <= UInt64(Int64.max) else { return nil }
            return MediaTime(value: Int64(t), timescaleHz: timescaleHz)
        }
    }

    private func parseTrackFragment(_ traf: UnsafeRawBufferPointer) -> TrackFragment {
        var result = TrackFragment()
        var tfhdFlags: UInt32?
        var trunFlags: UInt32?
        var walker = BoxWalker(traf)
        while let (type, p) = walker.next() {
            if type == FourCC.tfhd && p.count >= 8 {
                let flags = be32(p, 0) & 0xFF_FFFF
                result.trackID = be32(p, 4)
                var at = 8
                if flags & 0x01 != 0 { at += 8 }
                if flags & 0x02 != 0 { at += 4 }
                if flags & 0x08 != 0 { at += 4 }
                if flags & 0x10 != 0 { at += 4 }
                if flags & 0x20 != 0 && p.count >= at + 4 { tfhdFlags = be32(p, at) }
            } else if type == FourCC.tfdt && p.count >= 8 {
                if p[0] == 1 {
                    if p.count >= 12 { result.baseMediaDecodeTime = be64(p, 4) }
                } else {
                    result.baseMediaDecodeTime = UInt64(be32(p, 4))
                }
            } else if type == FourCC.trun && p.count >= 8 && trunFlags == nil {
                let flags = be32(p, 0) & 0xFF_FFFF
                let sampleCount = be32(p, 4)
                var at = 8
                if flags & 0x01 != 0 { at += 4 }
                if flags & 0x04 != 0 {
                    if p.count >= at + 4 { trunFlags = be32(p, at) }
                } else if flags & 0x400 != 0 && sampleCount > 0 {
                    if flags & 0x100 != 0 { at += 4 }
                    if flags & 0x200 != 0 { at += 4 }
                    if p.count >= at + 4 { trunFlags = be32(p, at) }
                }
            }
        }
        if let trunFlags {
            result.firstSampleFlags = trunFlags
        } else if let tfhdFlags {
            result.firstSampleFlags = tfhdFlags
        } else if let id = result.trackID, let i = index(of: id), hasDefaultFlags[i] != 0 {
            result.firstSampleFlags = defaultFlags[i]
        }
        return result
    }
}
