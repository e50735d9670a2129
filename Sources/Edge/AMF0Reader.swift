/// Decodes AMF0 values from a message payload, one after another. Bounded: it never reads
/// past the payload, and nesting deeper than `maximumDepth` is an error, not a deep stack.
struct AMF0Reader {
    private let bytes: [UInt8]
    private(set) var position: Int
    let maximumDepth = 16

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var isAtEnd: Bool { position >= bytes.count }

    /// Reads the next value.
    mutating func read() throws(AMF0Error) -> AMF0Value {
        try readValue(depth: 0)
    }

    /// Reads every value up to the end of the payload.
    mutating func readAll() throws(AMF0Error) -> [AMF0Value] {
        var values: [AMF0Value] = []
        while !isAtEnd { values.append(try read()) }
        return values
    }

    private mutating func readValue(depth: Int) throws(AMF0Error) -> AMF0Value {
        guard depth < maximumDepth else { throw AMF0Error(description: "AMF0 nested deeper than \(maximumDepth)") }
        let marker = try byte()
        switch marker {
        case 0x00: return .number(try double())
        case 0x01: return .boolean(try byte() != 0)
        case 0x02: return .string(try string(length: Int(try integer(byteCount: 2))))
        case 0x03: return .object(try properties(depth: depth))
        case 0x05: return .null
        case 0x06: return .undefined
        case 0x08:
            _ = try integer(byteCount: 4)  // the count is a hint; the end marker ends it
            return .object(try properties(depth: depth))
        case 0x0A:
            let count = Int(try integer(byteCount: 4))
            // Every element takes at least one byte: a count beyond the payload is a lie.
            guard count <= bytes.count - position else { throw AMF0Error(description: "AMF0 array of \(count) exceeds the payload") }
            var elements: [AMF0Value] = []
            for _ in 0..<count { elements.append(try readValue(depth: depth + 1)) }
            return .strictArray(elements)
        case 0x0B:
            let milliseconds = try double()
            _ = try integer(byteCount: 2)  // time zone, unused by the format's own spec
            return .date(millisecondsSince1970: milliseconds)
        case 0x0C: return .string(try string(length: Int(try integer(byteCount: 4))))
        default: throw AMF0Error(description: "AMF0 type marker \(marker) not expected in a command")
        }
    }

    /// Properties up to the object end marker (an empty name followed by 0x09).
    private mutating func properties(depth: Int) throws(AMF0Error) -> [(String, AMF0Value)] {
        var properties: [(String, AMF0Value)] = []
        while true {
            let name = try string(length: Int(try integer(byteCount: 2)))
            if name.isEmpty, position < bytes.count, bytes[position] == 0x09 {
                position += 1
                return properties
            }
            properties.append((name, try readValue(depth: depth + 1)))
        }
    }

    private mutating func byte() throws(AMF0Error) -> UInt8 {
        guard position < bytes.count else { throw AMF0Error(description: "AMF0 value truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func integer(byteCount: Int) throws(AMF0Error) -> UInt32 {
        guard bytes.count - position >= byteCount else { throw AMF0Error(description: "AMF0 value truncated") }
        var value: UInt32 = 0
        for _ in 0..<byteCount { value = value << 8 | UInt32(bytes[position]); position += 1 }
        return value
    }

    private mutating func double() throws(AMF0Error) -> Double {
        let high = UInt64(try integer(byteCount: 4))
        let low = UInt64(try integer(byteCount: 4))
        return Double(bitPattern: high << 32 | low)
    }

    private mutating func string(length: Int) throws(AMF0Error) -> String {
        guard bytes.count - position >= length else { throw AMF0Error(description: "AMF0 string truncated") }
        defer { position += length }
        return String(decoding: bytes[position..<position + length], as: UTF8.self)
    }
}
