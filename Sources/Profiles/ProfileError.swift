/// One problem in a profile or node configuration file.
///
/// `description` is the line a person reads: `file: field.path: reason`, e.g.
/// `Profiles/bad.yaml: video.renditions[1].bitrate_kbps: must be a positive integer, got -5`.
/// Problems that belong to no field (YAML syntax, unreadable file) have an empty `fieldPath`
/// and print as `file:line:column: reason` when the position is known.
public struct ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in, as the caller named it.
    public var file: String
    /// Where in the document, e.g. `video.renditions[1].bitrate_kbps`; empty for problems
    /// that belong to no field.
    public var fieldPath: String
    /// What is wrong, in words, usually with the offending value.
    public var reason: String
    /// 1-based line of the offending node, when known.
    public var line: Int?
    /// 1-based column of the offending node, when known.
    public var column: Int?

    public init(file: String, fieldPath: String, reason: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.fieldPath = fieldPath
        self.reason = reason
        self.line = line
        self.column = column
    }

    public var description: String {
        if !fieldPath.isEmpty {
            return "\(file): \(fieldPath): \(reason)"
        }
        var position = file
        if let line {
            position += ":\(line)"
            if let column { position += ":\(column)" }
        }
        return "\(position): \(reason)"
    }
}

/// Every problem found in one load, thrown together so that a person fixes them in one pass
/// rather than one per run.
public struct ProfileErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, grouped by file and in document order within a file.
    public var problems: [ProfileError]

    public init(_ problems: [ProfileError]) {
        self.problems = problems
    }

    /// One problem per line, each `file: field.path: reason`.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }

    /// The problem at `fieldPath`, if any (tests and tools ask this).
    public func problem(at fieldPath: String) -> ProfileError? {
        problems.first { $0.fieldPath == fieldPath }
    }
}
