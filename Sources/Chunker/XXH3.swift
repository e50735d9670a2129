// XXH3-64 (seed 0, default secret), written from the published xxHash specification.
// The digest equals `xxhsum -H3` of the same bytes.

/// The XXH3 64-bit hash (seed 0, default secret): the checksum every chunk carries.
///
/// `hash64(_:)` is the one-shot form; ``XXH3Hasher`` is the streaming form and produces the
/// same digest whatever the piece sizes. The long-input accumulate loop exists twice: a
/// SIMD version (`SIMD8<UInt64>`: two AVX2 or four SSE2 registers) used in production and a
/// scalar reference (``scalarHash64(_:)``) that the tests compare it with.
public enum XXH3 {
    /// The XXH3-64 digest of `bytes` (SIMD accumulate).
    @inline(__always)
    public static func hash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress else { return hashEmpty() }
        return hash64(base, count: bytes.count, simd: true)
    }

    /// The XXH3-64 digest of `bytes`.
    public static func hash64(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash64($0) }
    }

    /// The XXH3-64 digest of `bytes` computed with the scalar reference accumulate loop.
    public static func scalarHash64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = bytes.baseAddress else { return hashEmpty() }
        return hash64(base, count: bytes.count, simd: false)
    }

    @usableFromInline
    static func hash64(_ p: UnsafeRawPointer, count: Int, simd: Bool) -> UInt64 {
        let secret = XXH3Constants.secret
        if count <= 16 { return hashUpTo16(p, count: count, secret: secret) }
        if count <= 128 { return hash17To128(p, count: count, secret: secret) }
        if count <= XXH3Constants.midSizeMaxBytes { return hash129To240(p, count: count, secret: secret) }
        return simd ? hashLongSIMD(p, count: count) : hashLongScalar(p, count: count)
    }

    static func hashEmpty() -> UInt64 {
        let s = XXH3Constants.secret
        return avalancheXXH64(read64(s + 56) ^ read64(s + 64))
    }
}

/// Constants of XXH3 from its specification.
@usableFromInline
enum XXH3Constants {
    static let prime32_1: UInt64 = 0x9E37_79B1
    static let prime32_2: UInt64 = 0x85EB_CA77
    static let prime32_3: UInt64 = 0xC2B2_AE3D
    static let prime64_1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let prime64_2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let prime64_3: UInt64 = 0x1656_67B1_9E37_79F9
    static let prime64_4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let prime64_5: UInt64 = 0x27D4_EB2F_1656_67C5
    static let primeMX1: UInt64 = 0x1656_6791_9E37_79F9
    static let primeMX2: UInt64 = 0x9FB2_1C65_1E98_DF25

    static let stripeBytes = 64
    static let stripesPerBlock = 16
    static let blockBytes = 1024
    static let secretBytes = 192
    static let midSizeMaxBytes = 240

    static let initialAccumulators = SIMD8<UInt64>(
        prime32_3, prime64_1, prime64_2, prime64_3, prime64_4, prime32_2, prime64_5, prime32_1)

    /// The default 192-byte secret, in memory that lives as long as the process, so that hot
    /// loops read it through a plain pointer.
    @usableFromInline
    nonisolated(unsafe) static let secret: UnsafeRawPointer = {
        let bytes: [UInt8] = [
            0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
            0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
            0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
            0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
            0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
            0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
            0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
            0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
            0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
            0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
            0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
            0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
        ]
        let storage = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return UnsafeRawPointer(storage)
    }()
}

// MARK: - Primitives

@inline(__always) func read64(_ p: UnsafeRawPointer) -> UInt64 {
    UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
}

@inline(__always) func read32(_ p: UnsafeRawPointer) -> UInt32 {
    UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))
}

@inline(__always) func rotl64(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

@inline(__always) func mul128Fold64(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let product = a.multipliedFullWidth(by: b)
    return product.high ^ product.low
}

@inline(__always) func avalancheXXH64(_ h: UInt64) -> UInt64 {
    var h = h
    h ^= h >> 33
    h = h &* XXH3Constants.prime64_2
    h ^= h >> 29
    h = h &* XXH3Constants.prime64_3
    h ^= h >> 32
    return h
}

@inline(__always) func avalancheXXH3(_ h: UInt64) -> UInt64 {
    var h = h
    h ^= h >> 37
    h = h &* XXH3Constants.primeMX1
    h ^= h >> 32
    return h
}

@inline(__always) func mix16(_ p: UnsafeRawPointer, _ s: UnsafeRawPointer) -> UInt64 {
    mul128Fold64(read64(p) ^ read64(s), read64(p + 8) ^ read64(s + 8))
}

// MARK: - Short and medium inputs (no SIMD: at most 240 bytes)

extension XXH3 {
    @inline(__always)
    static func hashUpTo16(_ p: UnsafeRawPointer, count: Int, secret s: UnsafeRawPointer) -> UInt64 {
        let length = UInt64(count)
        if count > 8 {
            let bitflip1 = read64(s + 24) ^ read64(s + 32)
            let bitflip2 = read64(s + 40) ^ read64(s + 48)
            let low = read64(p) ^ bitflip1
            let high = read64(p + count - 8) ^ bitflip2
            let acc = length &+ low.byteSwapped &+ high &+ mul128Fold64(low, high)
            return avalancheXXH3(acc)
        }
        if count >= 4 {
            let first = UInt64(read32(p))
            let last = UInt64(read32(p + count - 4))
            let bitflip = read64(s + 8) ^ read64(s + 16)
            var h = (last | (first << 32)) ^ bitflip
            h ^= rotl64(h, 49) ^ rotl64(h, 24)
            h = h &* XXH3Constants.primeMX2
            h ^= (h >> 35) &+ length
            h = h &* XXH3Constants.primeMX2
            return h ^ (h >> 28)
        }
        if count > 0 {
            let b = p.assumingMemoryBound(to: UInt8.self)
            let combined = UInt32(b[count - 1]) | UInt32(count) << 8 | UInt32(b[0]) << 16
                | UInt32(b[count >> 1]) << 24
            let bitflip = UInt64(read32(s) ^ read32(s + 4))
            return avalancheXXH64(UInt64(combined) ^ bitflip)
        }
        return avalancheXXH64(read64(s + 56) ^ read64(s + 64))
    }

    @inline(__always)
    static func hash17To128(_ p: UnsafeRawPointer, count: Int, secret s: UnsafeRawPointer) -> UInt64 {
        var acc = UInt64(count) &* XXH3Constants.prime64_1
        var round = (count - 1) >> 5
        while round >= 0 {
            acc &+= mix16(p + round * 16, s + round * 32)
            acc &+= mix16(p + count - round * 16 - 16, s + round * 32 + 16)
            round -= 1
        }
        return avalancheXXH3(acc)
    }

    static func hash129To240(_ p: UnsafeRawPointer, count: Int, secret s: UnsafeRawPointer) -> UInt64 {
        var acc = UInt64(count) &* XXH3Constants.prime64_1
        for i in 0..<8 { acc &+= mix16(p + i * 16, s + i * 16) }
        acc = avalancheXXH3(acc)
        let rounds = count >> 4
        var i = 8
        while i < rounds {
            acc &+= mix16(p + i * 16, s + (i - 8) * 16 + 3)
            i += 1
        }
        acc &+= mix16(p + count - 16, s + 136 - 17)
        return avalancheXXH3(acc)
    }
}
