import Yams

/// Typed, path-aware access to one YAML mapping. Every wrong type, missing required key and
/// unknown key is reported to `diagnostics` with its field path; accessors then return nil
/// so that callers skip checks that would only repeat the problem.
struct MappingReader {
    let node: Node
    let path: FieldPath
    let diagnostics: Diagnostics
    private let mapping: Node.Mapping

    /// A reader for `node`, or nil after reporting that it is not a mapping.
    init?(_ node: Node, at path: FieldPath, diagnostics: Diagnostics) {
        guard let mapping = node.mapping else {
            diagnostics.report(path, "must be a mapping of keys to values, got \(YAMLValue.describe(node))", at: node)
            return nil
        }
        self.node = node
        self.path = path
        self.diagnostics = diagnostics
        self.mapping = mapping
        diagnostics.remember(node, at: path)
    }

    /// Reports every key that is not in `allowed`, with a spelling hint when one is close:
    /// a misspelt optional key must not silently fall back to its default.
    func rejectUnknownKeys(allowed: [String]) {
        for key in mapping.keys {
            guard let name = key.string else {
                diagnostics.report(path, "keys must be plain strings, got \(YAMLValue.describe(key))", at: key)
                continue
            }
            if !allowed.contains(name) {
                let hint = Spelling.hint(for: name, among: allowed)
                let valid = allowed.joined(separator: ", ")
                diagnostics.report(path.key(name), "unknown key\(hint); valid keys here: \(valid)", at: key)
            }
        }
    }

    /// The value at `key`, nil when absent or null (`key:` with nothing after it).
    func value(_ key: String) -> Node? {
        guard let value = mapping[key] else { return nil }
        diagnostics.remember(value, at: path.key(key))
        return YAMLValue.isNull(value) ? nil : value
    }

    /// True when `key` is written, even with an empty value.
    func contains(_ key: String) -> Bool {
        mapping[key] != nil
    }

    /// The value at `key`, reporting a missing required field when absent.
    func required(_ key: String) -> Node? {
        if let value = value(key) { return value }
        let reason = contains(key) ? "is empty; a value is required" : "missing required field"
        diagnostics.report(path.key(key), reason, at: mapping[key] ?? node)
        return nil
    }

    // A key written with nothing after it is reported even when optional: `frame_rate:`
    // falling back to the default would hide an unfinished edit.
    private func lookup(_ key: String, required isRequired: Bool) -> Node? {
        if isRequired { return required(key) }
        if let value = value(key) { return value }
        if contains(key) {
            diagnostics.report(path.key(key), "is empty; give a value or remove the key for the default",
                               at: mapping[key])
        }
        return nil
    }

    /// `int(key)` when the key is written, `fallback` when it is absent, nil when it is bad.
    func int(_ key: String, default fallback: Int) -> Int? {
        contains(key) ? int(key) : fallback
    }

    /// `double(key)` when the key is written, `fallback` when it is absent, nil when it is bad.
    func double(_ key: String, default fallback: Double) -> Double? {
        contains(key) ? double(key) : fallback
    }

    /// `string(key)` when the key is written, `fallback` when it is absent, nil when it is bad.
    func string(_ key: String, default fallback: String) -> String? {
        contains(key) ? string(key) : fallback
    }

    /// A scalar as text (`720p`, `srt://…`); numbers are accepted and kept as written.
    func string(_ key: String, required: Bool = false) -> String? {
        guard let value = lookup(key, required: required) else { return nil }
        guard let scalar = value.scalar else {
            diagnostics.report(path.key(key), "must be a single value, got \(YAMLValue.describe(value))", at: value)
            return nil
        }
        return scalar.string
    }

    /// A whole number.
    func int(_ key: String, required: Bool = false) -> Int? {
        guard let value = lookup(key, required: required) else { return nil }
        guard let number = YAMLValue.int(value) else {
            diagnostics.report(path.key(key), "must be a whole number, got \(YAMLValue.describe(value))", at: value)
            return nil
        }
        return number
    }

    /// A finite number, whole or fractional (`2`, `0.5`).
    func double(_ key: String, required: Bool = false) -> Double? {
        guard let value = lookup(key, required: required) else { return nil }
        guard let number = YAMLValue.double(value) else {
            diagnostics.report(path.key(key), "must be a number, got \(YAMLValue.describe(value))", at: value)
            return nil
        }
        return number
    }

    /// A list; elements come with their own paths (`streams[2]`).
    func sequence(_ key: String, required: Bool = false) -> [(node: Node, path: FieldPath)]? {
        guard let value = lookup(key, required: required) else { return nil }
        guard let sequence = value.sequence else {
            diagnostics.report(path.key(key), "must be a list, got \(YAMLValue.describe(value))", at: value)
            return nil
        }
        return sequence.enumerated().map { index, element in
            let elementPath = path.key(key).index(index)
            diagnostics.remember(element, at: elementPath)
            return (element, elementPath)
        }
    }

    /// A list of single values, each reported at its own index when it is not one.
    func strings(_ key: String, required: Bool = false) -> [(value: String, path: FieldPath)]? {
        guard let elements = sequence(key, required: required) else { return nil }
        return elements.compactMap { element in
            guard let scalar = element.node.scalar, !YAMLValue.isNull(element.node) else {
                diagnostics.report(element.path, "must be a single value, got \(YAMLValue.describe(element.node))",
                                   at: element.node)
                return nil
            }
            return (scalar.string, element.path)
        }
    }

    /// A mapping of text to text (`options: { row-mt: 1 }`); values are kept as written.
    /// Absent is empty; nil means present but bad (reported).
    func stringMap(_ key: String) -> [String: String]? {
        guard let value = lookup(key, required: false) else { return contains(key) ? nil : [:] }
        guard let entries = value.mapping else {
            diagnostics.report(path.key(key), "must be a mapping of names to values, got \(YAMLValue.describe(value))",
                               at: value)
            return nil
        }
        var result: [String: String] = [:]
        for (entryKey, entryValue) in entries {
            guard let name = entryKey.string, !name.isEmpty else {
                diagnostics.report(path.key(key), "option names must be non-empty strings", at: entryKey)
                continue
            }
            guard let scalar = entryValue.scalar, !YAMLValue.isNull(entryValue) else {
                diagnostics.report(path.key(key).key(name),
                                   "must be a single value, got \(YAMLValue.describe(entryValue))", at: entryValue)
                continue
            }
            result[name] = scalar.string
        }
        return result
    }
}
