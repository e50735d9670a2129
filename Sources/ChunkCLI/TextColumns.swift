// Column formatting for the chunk table and summary, without Foundation's formatters: the
// `chunk` command runs in the light `mutstream` executable, which does not load Foundation.

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

func padRight(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

func hex16(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

/// Three decimals, without Foundation's formatters.
func formatSeconds(_ x: Double) -> String {
    let negative = x < 0
    let milli = Int64((abs(x) * 1000).rounded())
    let frac = String(milli % 1000)
    return (negative ? "-" : "") + "\(milli / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
}
