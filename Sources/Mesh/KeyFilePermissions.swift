/// The rule for files holding key material: owner-only (no group or other permission bits).
public enum KeyFilePermissions {
    /// Throws when `mode` (as `stat` reports it; only the permission bits are read) grants
    /// the group or others anything.
    public static func check(path: String, mode: UInt32) throws(KeyFilePermissionError) {
        let permissions = mode & 0o777
        guard permissions & 0o077 == 0 else { throw KeyFilePermissionError(path: path, mode: permissions) }
    }
}

/// A key file readable or writable by more than its owner.
public struct KeyFilePermissionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// Its permission bits.
    public var mode: UInt32

    public var description: String {
        let octal = String(mode, radix: 8)
        return "\(path): mode 0\(String(repeating: "0", count: max(0, 3 - octal.count)))\(octal) gives group or others access to key material; run `chmod 600 \(path)`"
    }
}
