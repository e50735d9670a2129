import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The receiving end of systemd's notify protocol, as systemd opens it for a `Type=notify`
/// unit: a datagram socket with SO_PASSCRED, so every message carries the sender's PID
/// (what `NotifyAccess=main` compares with the unit's main PID).
final class NotifySocket {
    let path: String
    private let descriptor: Int32

    init(in workspace: Workspace) throws {
        path = workspace.file("notify.sock").path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw SetupError("notify socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw SetupError("notify socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw SetupError("notify socket bind: \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(descriptor) }

    /// The next message and the PID the kernel vouches sent it, or nil after `timeoutSeconds`.
    func receive(timeoutSeconds: Double) -> (text: String, pid: pid_t)? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeoutSeconds * 1000)) == 1 else { return nil }
        var payload = [UInt8](repeating: 0, count: 4096)
        let controlBytes = 64
        let control = UnsafeMutableRawPointer.allocate(byteCount: controlBytes, alignment: 8)
        defer { control.deallocate() }
        let count = payload.withUnsafeMutableBytes { buffer -> Int in
            var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
            return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                var message = msghdr()
                message.msg_iov = vectorPointer
                message.msg_iovlen = 1
                message.msg_control = control
                message.msg_controllen = controlBytes
                return recvmsg(descriptor, &message, 0)
            }
        }
        guard count >= 0 else { return nil }
        // One cmsghdr (len, level, type) followed by struct ucred (pid, uid, gid: 32 bits each).
        // SCM_CREDENTIALS and ucred are _GNU_SOURCE-only in glibc, so Swift does not see them.
        let scmCredentials: Int32 = 2
        let header = control.load(as: cmsghdr.self)
        guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == scmCredentials else { return nil }
        let pid = (control + MemoryLayout<cmsghdr>.size).load(as: Int32.self)
        return (String(decoding: payload[..<count], as: UTF8.self), pid)
    }
}
