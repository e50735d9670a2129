#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mutstream-media`, the executable with libav and the whole command tree, installed next to
/// `mutstream`.
enum MediaExecutable {
    static let name = "mutstream-media"

    /// Replaces this process with the media executable, with the same arguments (argv[0]
    /// included, so usage lines still say `mutstream`) and environment. execv keeps the PID,
    /// which is what lets systemd's `Type=notify` unit (`NotifyAccess=main`, ExecStart
    /// `mutstream serve`) accept sd_notify messages from the service and signal it directly.
    static func replaceCurrentProcess(arguments: [String]) -> Never {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        let path: String
        if let directory = ownDirectory() {
            path = directory + name
            execv(path, &argv)
        } else {
            // No /proc (e.g. a chroot without it): fall back to PATH, where `make install` puts both.
            path = name
            execvp(path, &argv)
        }
        let reason = String(cString: strerror(errno))
        let message = "mutstream: cannot run \(path): \(reason) (it is built and installed next to mutstream)\n"
        _ = message.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
        exit(127)
    }

    /// The directory of the running executable, with a trailing slash, from /proc/self/exe
    /// (symlinks resolved, so a link to `mutstream` elsewhere still finds its sibling).
    private static func ownDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard count > 0 else { return nil }
        let path = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[...slash])
    }
}
