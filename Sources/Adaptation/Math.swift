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
