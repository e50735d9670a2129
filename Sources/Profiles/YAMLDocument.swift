import Foundation
import Yams

/// Reading a YAML file into a node tree, with syntax errors turned into located problems.
enum YAMLDocument {
    /// The root node of `yaml`, or nil after reporting why there is none.
    static func root(of yaml: String, diagnostics: Diagnostics) -> Node? {
        do {
            guard let root = try Yams.compose(yaml: yaml) else {
                diagnostics.report(ProfileError(
                    file: diagnostics.file, fieldPath: "", reason: "the file is empty; expected a YAML mapping"))
                return nil
            }
            return root
        } catch let error as YamlError {
            diagnostics.report(problem(from: error, file: diagnostics.file))
            return nil
        } catch {
            diagnostics.report(ProfileError(file: diagnostics.file, fieldPath: "", reason: "YAML: \(error)"))
            return nil
        }
    }

    /// Reads `path` as UTF-8 text, or reports why it cannot.
    static func contents(ofFile path: String, diagnostics: Diagnostics) -> String? {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let text = String(data: data, encoding: .utf8) else {
                diagnostics.report(ProfileError(file: path, fieldPath: "", reason: "not UTF-8 text"))
                return nil
            }
            return text
        } catch {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "cannot read the file" : "no such file"
            diagnostics.report(ProfileError(file: path, fieldPath: "", reason: reason))
            return nil
        }
    }

    private static func problem(from error: YamlError, file: String) -> ProfileError {
        func located(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> ProfileError {
            var reason = "YAML syntax error: \(problem)"
            if let context {
                reason += " (\(context.text) at line \(context.mark.line))"
            }
            return ProfileError(file: file, fieldPath: "", reason: reason, line: mark.line, column: mark.column)
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return located(problem, context, mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ProfileError(
                file: file, fieldPath: "", reason: "duplicate key \(keys) in one mapping",
                line: context.mark.line, column: context.mark.column)
        case let .reader(problem, offset, _, yaml):
            let line = offset.map { offset in
                yaml.prefix(offset).reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            }
            return ProfileError(file: file, fieldPath: "", reason: "unreadable YAML: \(problem)", line: line)
        default:
            return ProfileError(file: file, fieldPath: "", reason: "YAML error: \(error)")
        }
    }
}
