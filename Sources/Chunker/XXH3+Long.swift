// The long-input (> 240 bytes) path of XXH3-64: stripes of 64 bytes accumulated into eight
// 64-bit lanes, scrambled every 16 stripes. SIMD and scalar versions compute the same thing.

extension XXH3 {
    /// One stripe into the accumulators, eight lanes at once.
    @inline(__always)
    static func accumulateSIMD(
        _ acc: inout SIMD8<UInt64>, _ stripe: UnsafeRawPointer, _ key: UnsafeRawPointer
    ) {
        // Little-endian hosts only (x86-64, arm64): lanes load as the spec's LE words.
        let data = stripe.loadUnaligned(as: SIMD8<UInt64>.self)
        let keyed = data ^ key.loadUnaligned(as: SIMD8<UInt64>.self)
        let product = (keyed & 0xFFFF_FFFF) &* (keyed &>> 32)
        let swapped = SIMD8<UInt64>(data[1], data[0], data[3], data[2], data[5], data[4], data[7], data[6])
        acc = acc &+ product &+ swapped
    }

    @inline(__always)
    static func scrambleSIMD(_ acc: inout SIMD8<UInt64>, _ key: UnsafeRawPointer) {
        var a = acc ^ (acc &>> 47)
        a ^= key.loadUnaligned(as: SIMD8<UInt64>.self)
        acc = a &* XXH3Constants.prime32_1
    }

    /// Scalar twin of ``accumulateSIMD(_:_:_:)``: the reference the equivalence tests use.
    @inline(__always)
    static func accumulateScalar(
        _ acc: inout SIMD8<UInt64>, _ stripe: UnsafeRawPointer, _ key: UnsafeRawPointer
    ) {
        for lane in 0..<8 {
            let value = read64(stripe + lane * 8)
            let keyed = value ^ read64(key + lane * 8)
            acc[lane ^ 1] &+= value
            acc[lane] &+= (keyed & 0xFFFF_FFFF) &* (keyed >> 32)
        }
    }

    @inline(__always)
    static func scrambleScalar(_ acc: inout SIMD8<UInt64>, _ key: UnsafeRawPointer) {
        for lane in 0..<8 {
            var a = acc[lane]
            a ^= a >> 47
            a ^= read64(key + lane * 8)
            acc[lane] = a &* XXH3Constants.prime32_1
        }
    }

    /// Accumulates `stripeCount` stripes from `p`, continuing a block at `stripesInBlock`
    /// and scrambling whenever a block completes.
    @inline(never)
    static func consumeStripesSIMD(
        _ acc: inout SIMD8<UInt64>, stripesInBlock: inout Int, _ p: UnsafeRawPointer, stripeCount: Int
    ) {
        let secret = XXH3Constants.secret
        var a = acc
        var p = p
        var remaining = stripeCount
        var n = stripesInBlock
        while remaining > 0 {
            if n == 0 && remaining >= 16 {
                // Whole block: the common case on large inputs.
                for stripe in 0..<16 { accumulateSIMD(&a, p + stripe * 64, secret + stripe * 8) }
                scrambleSIMD(&a, secret + 128)
                p += 1024
                remaining -= 16
                continue
            }
            accumulateSIMD(&a, p, secret + n * 8)
            p += 64
            remaining -= 1
            n += 1
            if n == 16 {
                scrambleSIMD(&a, secret + 128)
                n = 0
            }
        }
        acc = a
        stripesInBlock = n
    }

    static func consumeStripesScalar(
        _ acc: inout SIMD8<UInt64>, stripesInBlock: inout Int, _ p: UnsafeRawPointer, stripeCount: Int
    ) {
        let secret = XXH3Constants.secret
        for stripe in 0..<stripeCount {
            accumulateScalar(&acc, p + stripe * 64, secret + stripesInBlock * 8)
            stripesInBlock += 1
            if stripesInBlock == 16 {
                scrambleScalar(&acc, secret + 128)
                stripesInBlock = 0
            }
        }
    }

    @inline(__always)
    static func mergeAccumulators(_ acc: SIMD8<UInt64>, totalBytes: UInt64) -> UInt64 {
        let s = XXH3Constants.secret + 11
        var result = totalBytes &* XXH3Constants.prime64_1
        for i in 0..<4 {
            result &+= mul128Fold64(acc[2 * i] ^ read64(s + 16 * i), acc[2 * i + 1] ^ read64(s + 16 * i + 8))
        }
        return avalancheXXH3(result)
    }

    static func hashLongSIMD(_ p: UnsafeRawPointer, count: Int) -> UInt64 {
        var acc = XXH3Constants.initialAccumulators
        var n = 0
        // Every full stripe before the last byte, then the last 64 bytes as a final stripe.
        consumeStripesSIMD(&acc, stripesInBlock: &n, p, stripeCount: (count - 1) / 64)
        accumulateSIMD(&acc, p + count - 64, XXH3Constants.secret + 121)
        return mergeAccumulators(acc, totalBytes: UInt64(count))
    }

    static func hashLongScalar(_ p: UnsafeRawPointer, count: Int) -> UInt64 {
        var acc = XXH3Constants.initialAccumulators
        var n = 0
        consumeStripesScalar(&acc, stripesInBlock: &n, p, stripeCount: (count - 1) / 64)
        accumulateScalar(&acc, p + count - 64, XXH3Constants.secret + 121)
        return mergeAccumulators(acc, totalBytes: UInt64(count))
    }
}
