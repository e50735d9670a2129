import Yams

/// Collects the problems of one file while it is read and checked, so that loading reports
/// all of them instead of stopping at the first.
final class Diagnostics {
    let file: String
    private(set) var problems: [ProfileError] = []
    // Nodes by the path they were read at: checks that run on plain values after reading
    // still report the line of the value (or of its nearest enclosing mapping).
    private var nodes: [FieldPath: Node] = [:]

    init(file: String) {
        self.file = file
    }

    var isEmpty: Bool { problems.isEmpty }

    func remember(_ node: Node, at path: FieldPath) {
        nodes[path] = node
    }

    func report(_ path: FieldPath, _ reason: String, at node: Node? = nil) {
        let mark = (node ?? nearestNode(to: path))?.mark
        problems.append(ProfileError(
            file: file, fieldPath: path.description, reason: reason, line: mark?.line, column: mark?.column))
    }

    func report(_ problem: ProfileError) {
        problems.append(problem)
    }

    /// Problems in document order; ones without a line keep their place at the end.
    var sortedProblems: [ProfileError] {
        problems.enumerated().sorted { lhs, rhs in
            let left = lhs.element.line ?? Int.max
            let right = rhs.element.line ?? Int.max
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// `value` when nothing was reported; otherwise throws every collected problem.
    func result<Value>(_ value: Value?) throws -> Value {
        guard problems.isEmpty, let value else {
            // A reader that returns nothing always reports why; the fallback keeps a slip from crashing.
            throw ProfileErrors(problems.isEmpty
                ? [ProfileError(file: file, fieldPath: "", reason: "could not be read")] : sortedProblems)
        }
        return value
    }

    private func nearestNode(to path: FieldPath) -> Node? {
        var candidate: FieldPath? = path
        while let current = candidate {
            if let node = nodes[current] { return node }
            candidate = current.parent
        }
        return nil
    }
}
