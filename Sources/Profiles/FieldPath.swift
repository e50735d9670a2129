/// A position in a YAML document as people write it: `video.renditions[1].bitrate_kbps`.
struct FieldPath: Hashable, CustomStringConvertible, Sendable {
    private(set) var text: String

    static let root = FieldPath(parsing: "")

    init(parsing text: String) {
        self.text = text
    }

    /// The path of `key` inside this mapping.
    func key(_ key: String) -> FieldPath {
        FieldPath(parsing: text.isEmpty ? key : "\(text).\(key)")
    }

    /// The path of element `index` of this sequence.
    func index(_ index: Int) -> FieldPath {
        FieldPath(parsing: "\(text)[\(index)]")
    }

    /// The enclosing path, or nil for the root.
    var parent: FieldPath? {
        guard !text.isEmpty else { return nil }
        guard let cut = text.lastIndex(where: { $0 == "." || $0 == "[" }) else { return .root }
        return FieldPath(parsing: String(text[..<cut]))
    }

    var description: String { text }
}
