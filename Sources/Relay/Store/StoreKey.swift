extension StringProtocol {
    /// This name as a `String` to look up in the store's tables. `String(name)` inside a
    /// function generic over `StringProtocol` is the unspecialized `LosslessStringConvertible`
    /// initializer, a measurable share of answering a part; the casts fold away once the
    /// caller is specialized for `Substring` or `String`.
    @inline(__always)
    var storeKey: String {
        if let substring = self as? Substring { return String(substring) }
        if let string = self as? String { return string }
        return String(self)
    }
}
