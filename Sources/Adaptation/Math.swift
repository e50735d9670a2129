// The module uses only the standard library, which has no log or exp: these are accurate to
// a few ulps over the ranges the selectors use, which is all they need.

/// ln(x) for x > 0: x = m·2^e with m in [1, 2), and ln m = 2·atanh((m − 1)/(m + 1)) by its series.
func naturalLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "naturalLog needs a positive finite argument")
    let z = (x.significand - 1) / (x.significand + 1)
    let z2 = z * z
    var term = z
    var sum = 0.0
    var k = 1.0
    while k < 40 {
        sum += term / k
        term *= z2
        k += 2
    }
    return Double(x.exponent) * 0.693_147_180_559_945_3 + 2 * sum
}

/// e^x: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor series, scaled by 2^k.
func naturalExp(_ x: Double) -> Double {
    if x > 709 { return .infinity }
    if x < -745 { return 0 }
    let ln2 = 0.693_147_180_559_945_3
    let k = (x / ln2).rounded()
    let r = x - k * ln2
    var term = 1.0
    var sum = 1.0
    for n in 1...20 {
        term *= r / Double(n)
        sum += term
    }
    return Double(sign: .plus, exponent: Int(k), significand: sum)
}

/// e^−x for x ≥ 0, to better than 10⁻⁶ relative, with no call, branch on the data or division: the
/// controller values every plan's end buffer with it, where `naturalExp`'s accuracy buys
/// nothing and its cost adds up. x is clamped to 8 (e^−8 ≈ 0.0003): beyond that the curve is
/// flat for every purpose here.
@inline(__always)
func negativeExp(_ x: Double) -> Double {
    // e^−x = (e^−x/8)^8, and e^−y for y in [0, 1] by its Taylor series to degree 10 (Horner).
    let y = -min(max(x, 0), 8) * 0.125
    var e = 1.0 / 3_628_800
    e = e * y + 1.0 / 362_880
    e = e * y + 1.0 / 40_320
    e = e * y + 1.0 / 5_040
    e = e * y + 1.0 / 720
    e = e * y + 1.0 / 120
    e = e * y + 1.0 / 24
    e = e * y + 1.0 / 6
    e = e * y + 0.5
    e = e * y + 1
    e = e * y + 1
    e *= e
    e *= e
    return e * e
}
