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
        // Per 64-byte block: t = b[j] | b[j+1] | (b[j+2] ^ 1) for every j at once, from three
        // overlapping loads; a zero byte in t is exactly a start code. "Any zero byte" is the
        // SWAR test (t - 0x01…) & ~t & 0x80…, which is exact for existence, so four blocks'
        // tests are OR-ed and reduced once per 256-byte step (then 128 and 64 near the end).
        // Only a step that holds a start code gets the scalar look for its position.
        // Hidden from the optimiser, so the three loads stay plain unaligned vector loads
        // instead of being rebuilt from one load with shifts.
        let p1 = opaque(p + 1)
        let p2 = opaque(p + 2)
        var block = from
        while end &- block >= 258 {
            let z = startCodeBits(p, p1, p2, block) | startCodeBits(p, p1, p2, block &+ 64)
                | startCodeBits(p, p1, p2, block &+ 128) | startCodeBits(p, p1, p2, block &+ 192)
            if hasHighBit(z) { return firstStartCodeScalar(p, from: block, end: block &+ 258) }
            block &+= 256
        }
        while end &- block >= 130 {
            let z = startCodeBits(p, p1, p2, block) | startCodeBits(p, p1, p2, block &+ 64)
            if hasHighBit(z) { return firstStartCodeScalar(p, from: block, end: block &+ 130) }
            block &+= 128
        }
        if end &- block >= 66 {
            if hasHighBit(startCodeBits(p, p1, p2, block)) { return firstStartCodeScalar(p, from: block, end: block &+ 66) }
            block &+= 64
        }
        return firstStartCodeScalar(p, from: block, end: end)
    }

    /// For the 64 positions from `at`: a word whose high bits (after masking with 0x80…)
    /// are set in a lane iff a start code begins in that lane's bytes.
    @inline(__always)
    static func startCodeBits(_ p: UnsafeRawPointer, _ p1: UnsafeRawPointer, _ p2: UnsafeRawPointer, _ at: Int) -> SIMD8<UInt64> {
        let ones = SIMD8<UInt64>(repeating: 0x0101_0101_0101_0101)
        let t = (p + at).loadUnaligned(as: SIMD8<UInt64>.self)
            | (p1 + at).loadUnaligned(as: SIMD8<UInt64>.self)
            | ((p2 + at).loadUnaligned(as: SIMD8<UInt64>.self) ^ ones)
        return (t &- ones) & ~t
    }

    /// Whether any lane of `z` has a byte's high bit set. The lanes are OR-ed one by one:
    /// LLVM turns that into one short reduction, where half-vector ORs after the OR of two
    /// blocks' words made it shuffle both words first.
    @inline(__always)
    static func hasHighBit(_ z: SIMD8<UInt64>) -> Bool {
        let y = z & SIMD8<UInt64>(repeating: 0x8080_8080_8080_8080)
        return (y[0] | y[1] | y[2] | y[3] | y[4] | y[5] | y[6] | y[7]) != 0
    }

    @inline(never)
    static func opaque(_ p: UnsafeRawPointer) -> UnsafeRawPointer { p }

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
