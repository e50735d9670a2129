import Yams

/// Interpreting scalar nodes, and describing any node in an error message.
enum YAMLValue {
    static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar else { return false }
        // Only a plain (unquoted) null is nothing: `name: "null"` is the text null.
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func int(_ node: Node) -> Int? {
        guard let scalar = node.scalar, !isNull(node) else { return nil }
        if let value = Int(scalar.string.replacingOccurrences(of: "_", with: "")) { return value }
        // `2500.0` is a whole number written as a float; accept it, reject `2.5`.
        if let value = double(node), value.rounded() == value, abs(value) < 1e15 { return Int(value) }
        return nil
    }

    static func double(_ node: Node) -> Double? {
        guard let scalar = node.scalar, !isNull(node) else { return nil }
        let text = scalar.string.replacingOccurrences(of: "_", with: "")
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// `-5`, `"abc"`, `a list`, `a mapping`, `nothing`.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            if Double(scalar.string) != nil { return scalar.string }
            return "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
