/// The AMF0 values an RTMP command message carries (the subset publishers send before
/// media: numbers, booleans, strings, objects, null, arrays, dates).
enum AMF0Value: Equatable, Sendable {
    case number(Double)
    case boolean(Bool)
    case string(String)
    /// An anonymous object or an ECMA array: properties in order of appearance.
    case object([(String, AMF0Value)])
    case strictArray([AMF0Value])
    case null
    case undefined
    case date(millisecondsSince1970: Double)

    /// The first property named `name` of an object.
    subscript(property name: String) -> AMF0Value? {
        guard case .object(let properties) = self else { return nil }
        return properties.first { $0.0 == name }?.1
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    static func == (lhs: AMF0Value, rhs: AMF0Value) -> Bool {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)): a == b || (a.isNaN && b.isNaN)
        case (.boolean(let a), .boolean(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.strictArray(let a), .strictArray(let b)): a == b
        case (.null, .null), (.undefined, .undefined): true
        case (.date(let a), .date(let b)): a == b
        default: false
        }
    }
}

/// AMF0 bytes that are not a well-formed value.
struct AMF0Error: Error, Equatable, CustomStringConvertible {
    let description: String
}
