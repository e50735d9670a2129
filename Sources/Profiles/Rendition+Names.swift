extension Rendition {
    /// True when `name` can be used as one path component of a URL and a directory name:
    /// non-empty and only ASCII letters, digits, `-` and `_`.
    public static func isPathSafe(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F
        }
    }
}
