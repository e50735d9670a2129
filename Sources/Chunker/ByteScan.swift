/// The byte scanners behind the chunkers, each in a SIMD and a scalar version that return
/// the same answers (the tests check every length 0…512 at every alignment).
///
/// The SIMD versions work on `SIMD8<UInt64>` (64 bytes: two AVX2 or four SSE2/NEON
/// registers) with SWAR byte tricks, because 64-bit lane operations compile to straight
/// vector code on every target, while byte-lane comparisons on `SIMD32<UInt8>` do not
/// (Swift 6.3 scalarises them). So the same source is correct with or without AVX2.
public enum ByteScan {
    /// The first `j` in `from ..< end - 2` with bytes `00 00 01` at `j`, or `nil`.
    @inline(never)
    public static func firstStartCode(_ p: UnsafeRawPointer, from: Int, end: Int) -> Int? {
        // Filter: a start code at j puts a zero byte at j+1 and a 00/01 byte at j+2, so the
        // 16-bit lane holding j+1 (at an even distance from the block start) is 0x0000 or
        // 0x0100 (little-endian), i.e. zero after masking with 0xFEFF. Compressed slice data
        // cannot contain 00 00 (emulation prevention) and 00 01 pairs are rare, so flagged
        // blocks are rare and get an exact scalar look.
        let mask = SIMD8<UInt64>(repeating: 0xFEFF_FEFF_FEFF_FEFF)
        let ones = SIMD8<UInt64>(repeating: 0x0001_0001_0001_0001)
        let highs = SIMD8<UInt64>(repeating: 0x8000_8000_8000_8000)
        var block = from
        while block + 64 <= end {
            let x = (p + block).loadUnaligned(as: SIMD8<UInt64>.self) & mask
            let z = (x &- ones) & ~x & highs
            let h = z.lowHalf | z.highHalf
            let q = h.lowHalf | h.highHalf
            if (q.x | q.y) != 0 {
                // Start codes whose j+1 lies in this block.
                if let j = firstStartCodeScalar(p, from: max(from, block - 1), end: min(end, block + 65)) {
                    return j
                }
            }
            block += 64
        }
        return firstStartCodeScalar(p, from: max(from, block - 1), end: end)
    }

    /// Scalar twin of ``firstStartCode(_:from:end:)``.
    public static func firstStartCodeScalar(_ p: UnsafeRawPointer, from: Int, end: Int) -> Int? {
        let b = p.assumingMemoryBound(to: UInt8.self)
        var j = from
        while j + 2 < end {
            // Skip ahead fast on the middle byte: a nonzero b[j+1] rules out j and j+1.
            let mid = b[j + 1]
            if mid != 0 {
                j += 2
                continue
            }
            if b[j] == 0 && b[j + 2] == 1 { return j }
            j += 1
        }
        return nil
    }

    /// The first index in `from ..< end` holding `byte`, or `nil`.
    @inline(never)
    public static func firstIndex(of byte: UInt8, in p: UnsafeRawPointer, from: Int, end: Int) -> Int? {
        let pattern = SIMD8<UInt64>(repeating: 0x0101_0101_0101_0101 &* UInt64(byte))
        let ones = SIMD8<UInt64>(repeating: 0x0101_0101_0101_0101)
        let highs = SIMD8<UInt64>(repeating: 0x8080_8080_8080_8080)
        var block = from
        while block + 64 <= end {
            let x = (p + block).loadUnaligned(as: SIMD8<UInt64>.self) ^ pattern
            // Nonzero iff some byte of x is zero, i.e. some byte equals `byte`.
            let z = (x &- ones) & ~x & highs
            let h = z.lowHalf | z.highHalf
            let q = h.lowHalf | h.highHalf
            if (q.x | q.y) != 0 {
                return firstIndexScalar(of: byte, in: p, from: block, end: block + 64)
            }
            block += 64
        }
        return firstIndexScalar(of: byte, in: p, from: block, end: end)
    }

    /// Scalar twin of ``firstIndex(of:in:from:end:)``.
    public static func firstIndexScalar(of byte: UInt8, in p: UnsafeRawPointer, from: Int, end: Int) -> Int? {
        let b = p.assumingMemoryBound(to: UInt8.self)
        var i = from
        while i < end {
            if b[i] == byte { return i }
            i += 1
        }
        return nil
    }
}
