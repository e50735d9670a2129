/// Streaming XXH3-64: feed bytes in pieces of any size, read ``digest()`` at any point.
///
/// The state lives inline (about 400 bytes, no heap): copying a hasher forks it, which is
/// how the chunkers keep hashing while a cut is still undecided. Input is consumed straight
/// from the caller's memory in whole stripes; only the unconsumed tail (at most 256 bytes)
/// is held in the internal buffer.
public struct XXH3Hasher: Sendable {
    @usableFromInline var accumulators = XXH3Constants.initialAccumulators
    @usableFromInline var buffer = Bytes256()
    /// The last 64 bytes consumed from outside the buffer, for the final stripe.
    @usableFromInline var lastStripe = SIMD8<UInt64>()
    @usableFromInline var bufferedBytes = 0
    @usableFromInline var stripesInBlock = 0
    /// Total bytes fed since the last reset.
    public private(set) var totalBytes: UInt64 = 0

    /// A hasher with nothing fed.
    public init() {}

    /// Forgets everything fed so far.
    @inline(__always)
    public mutating func reset() {
        accumulators = XXH3Constants.initialAccumulators
        bufferedBytes = 0
        stripesInBlock = 0
        totalBytes = 0
    }

    /// Feeds `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        update(base, count: bytes.count)
    }

    /// Feeds `count` bytes at `p`.
    public mutating func update(_ p: UnsafeRawPointer, count: Int) {
        if count <= 0 { return }
        totalBytes &+= UInt64(count)
        if bufferedBytes + count <= 256 {
            withUnsafeMutableBytes(of: &buffer) { ($0.baseAddress! + bufferedBytes).copyMemory(from: p, byteCount: count) }
            bufferedBytes += count
            return
        }
        var p = p
        var remaining = count
        if bufferedBytes > 0 {
            let fill = 256 - bufferedBytes
            withUnsafeMutableBytes(of: &buffer) { buf in
                (buf.baseAddress! + bufferedBytes).copyMemory(from: p, byteCount: fill)
                XXH3.consumeStripesSIMD(&accumulators, stripesInBlock: &stripesInBlock, UnsafeRawPointer(buf.baseAddress!), stripeCount: 4)
                lastStripe = UnsafeRawPointer(buf.baseAddress! + 192).loadUnaligned(as: SIMD8<UInt64>.self)
            }
            p += fill
            remaining -= fill
            bufferedBytes = 0
        }
        if remaining > 256 {
            // Keep at least one byte back: the stripe holding the last byte is finalised
            // differently, and only digest() knows it is the last.
            let stripes = (remaining - 1) / 64
            XXH3.consumeStripesSIMD(&accumulators, stripesInBlock: &stripesInBlock, p, stripeCount: stripes)
            p += stripes * 64
            remaining -= stripes * 64
            lastStripe = (p - 64).loadUnaligned(as: SIMD8<UInt64>.self)
        }
        withUnsafeMutableBytes(of: &buffer) { $0.baseAddress!.copyMemory(from: p, byteCount: remaining) }
        bufferedBytes = remaining
    }

    /// The XXH3-64 digest of everything fed since the last reset; feeding may continue.
    public func digest() -> UInt64 {
        var buffer = self.buffer
        return withUnsafeBytes(of: &buffer) { raw -> UInt64 in
            let buf = raw.baseAddress!
            if totalBytes <= UInt64(XXH3Constants.midSizeMaxBytes) {
                return XXH3.hash64(buf, count: Int(totalBytes), simd: true)
            }
            var acc = accumulators
            var n = stripesInBlock
            XXH3.consumeStripesSIMD(&acc, stripesInBlock: &n, buf, stripeCount: (bufferedBytes - 1) / 64)
            if bufferedBytes >= 64 {
                XXH3.accumulateSIMD(&acc, buf + bufferedBytes - 64, XXH3Constants.secret + 121)
            } else {
                // The final stripe spans the previously consumed bytes and the buffer.
                var last = (lastStripe, SIMD8<UInt64>())
                withUnsafeMutableBytes(of: &last) { tmp in
                    let missing = 64 - bufferedBytes
                    let t = tmp.baseAddress!
                    t.copyMemory(from: t + bufferedBytes, byteCount: missing)
                    (t + missing).copyMemory(from: buf, byteCount: bufferedBytes)
                    XXH3.accumulateSIMD(&acc, UnsafeRawPointer(t), XXH3Constants.secret + 121)
                }
            }
            return XXH3.mergeAccumulators(acc, totalBytes: totalBytes)
        }
    }
}

/// 256 bytes of inline storage.
@usableFromInline
struct Bytes256: Sendable {
    var a = SIMD8<UInt64>(), b = SIMD8<UInt64>(), c = SIMD8<UInt64>(), d = SIMD8<UInt64>()
    @usableFromInline init() {}
}
