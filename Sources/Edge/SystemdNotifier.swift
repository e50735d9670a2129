import Foundation

/// systemd's notify protocol (`Type=notify`): datagrams to `$NOTIFY_SOCKET` saying READY=1,
/// STATUS=…, RELOADING=1, STOPPING=1 and WATCHDOG=1. A no-op when not run by systemd.
public struct SystemdNotifier: Sendable {
    private let socketPath: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        watchdogIntervalSeconds = environment["WATCHDOG_USEC"].flatMap(Double.init).map { $0 / 1e6 }
    }

    /// How often systemd expects WATCHDOG=1 (`WatchdogSec=`), when it does.
    public let watchdogIntervalSeconds: Double?

    public var isActive: Bool { socketPath != nil }

    /// Sends one state message, e.g. `READY=1\nSTATUS=serving 2 streams`. Failures are ignored:
    /// notification is advisory and must never take the service down.
    public func notify(_ state: String) {
        guard let socketPath else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // A leading '@' names an abstract socket: its first byte is NUL.
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let message = Array(state.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, message, message.count, 0, socketAddress, length)
            }
        }
    }
}
