import Foundation

/// Paths inside a config file are relative to that file, not to the working directory,
/// so that a config works the same from systemd, a shell or a test.
enum ConfigPath {
    /// The directory holding `file` (`.` for a bare file name).
    static func directory(of file: String) -> String {
        let parent = (file as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// `path` made absolute against `directory` when it is relative; `.` and `..` removed.
    static func resolve(_ path: String, against directory: String) -> String {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        return URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    }

    /// True when `text` could be a URL this node talks to a peer at: http(s) with a host.
    static func peerURLProblem(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return "must be a URL like https://edge-2.example:8080, got \"\(text)\""
        }
        guard scheme == "http" || scheme == "https" else {
            return "must be an http:// or https:// URL, got \"\(text)\""
        }
        guard let host = components.host, !host.isEmpty else {
            return "has no host, got \"\(text)\""
        }
        return nil
    }
}
