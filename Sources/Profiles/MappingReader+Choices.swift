extension MappingReader {
    /// One of a fixed set of words (`codec: vp9`), matched case-insensitively; anything else
    /// is reported with the valid words and a spelling hint.
    func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String, required: Bool = false, as type: Choice.Type = Choice.self
    ) -> Choice? where Choice.RawValue == String {
        guard let word = string(key, required: required) else { return nil }
        if let match = Choice.allCases.first(where: { $0.rawValue == word.lowercased() }) {
            return match
        }
        let valid = Choice.allCases.map(\.rawValue)
        let hint = Spelling.hint(for: word, among: valid)
        diagnostics.report(path.key(key),
                           "unknown \(key) \"\(word)\"\(hint); valid: \(valid.joined(separator: ", "))",
                           at: value(key))
        return nil
    }
}
