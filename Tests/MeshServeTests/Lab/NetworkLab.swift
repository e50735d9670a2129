import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Network namespaces joined by veth pairs, for tests with several real boxes (DESIGN.md:
/// multi-host tests). Every namespace and link is the lab's own: addresses are in
/// 10.213.L.0/24 inside the namespaces only, nothing touches the host's namespace.
/// `tearDown()` removes everything (tests `defer` it); namespaces a crashed earlier run left
/// behind are removed when the next lab starts. Needs root.
final class NetworkLab: @unchecked Sendable {
    /// One box: a network namespace.
    struct Host: Hashable, Sendable, CustomStringConvertible {
        let name: String
        let namespace: String
        var description: String { name }
    }

    /// A veth pair between two hosts; the device on each side is named `to-<other host>`.
    struct Link: Sendable {
        let a: Host
        let b: Host
        let aAddress: String
        let bAddress: String

        func device(on host: Host) -> String { "to-\(host == a ? b.name : a.name)" }
        /// The address `host` reaches the other end at.
        func address(of host: Host) -> String { host == a ? aAddress : bAddress }
    }

    private static let prefix = "mstlab"
    nonisolated(unsafe) private static var created = 0
    private let tag: String
    private var hosts: [Host] = []
    private var links = 0

    /// True when this process may create namespaces (root and `ip` present).
    static var isAvailable: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: ip) }

    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/ip"
    static let tc = ["/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/tc"

    init() throws {
        guard Self.isAvailable else { throw TestFailure("network namespace tests need root and iproute2") }
        try Self.removeStale()
        Self.created += 1
        tag = "\(Self.prefix)\(getpid())x\(Self.created)"
    }

    /// A new namespace with its loopback up. `name` (at most 12 characters) names the
    /// devices that lead to it.
    func addHost(_ name: String) throws -> Host {
        precondition(name.count <= 12, "device names are limited to 15 characters")
        let host = Host(name: name, namespace: "\(tag)-\(name)")
        try Self.run(Self.ip, ["netns", "add", host.namespace])
        hosts.append(host)
        try Self.run(Self.ip, ["-n", host.namespace, "link", "set", "lo", "up"])
        return host
    }

    /// Joins two hosts with a veth pair: `a` gets 10.213.L.1, `b` 10.213.L.2.
    func link(_ a: Host, _ b: Host) throws -> Link {
        links += 1
        let link = Link(a: a, b: b, aAddress: "10.213.\(links).1", bAddress: "10.213.\(links).2")
        try Self.run(Self.ip, ["-n", a.namespace, "link", "add", link.device(on: a), "type", "veth",
                               "peer", "name", link.device(on: b), "netns", b.namespace])
        for (host, address) in [(a, link.aAddress), (b, link.bAddress)] {
            try Self.run(Self.ip, ["-n", host.namespace, "addr", "add", "\(address)/24", "dev", link.device(on: host)])
            try Self.run(Self.ip, ["-n", host.namespace, "link", "set", link.device(on: host), "up"])
        }
        return link
    }

    /// Shapes what `from` sends over the link with a token bucket (tbf) at `kbitPerSecond`,
    /// queueing up to `queueMilliseconds` at that rate; calling it again changes it in place.
    func shape(_ link: Link, from host: Host, kbitPerSecond: Int, queueMilliseconds: Int = 200) throws {
        // A burst of ~10 ms at the rate (at least a few packets) keeps the rate honest at small
        // time scales.
        let burstBytes = max(kbitPerSecond * 1000 / 8 / 100, 6_000)
        try Self.run(Self.tc, ["-n", host.namespace, "qdisc", "replace", "dev", link.device(on: host), "root", "tbf",
                               "rate", "\(kbitPerSecond)kbit", "burst", "\(burstBytes)", "latency", "\(queueMilliseconds)ms"])
    }

    /// Bytes and packets the shaper on `host`'s end of the link has sent and dropped so far.
    func shaperCounters(_ link: Link, from host: Host) throws -> (sentBytes: Double, sentPackets: Double, dropped: Double) {
        let text = try Self.run(Self.tc, ["-n", host.namespace, "-s", "qdisc", "show", "dev", link.device(on: host)])
        // " Sent 123 bytes 45 pkt (dropped 6, overlimits 7 requeues 0)"
        let words = text.replacingOccurrences(of: ",", with: " ").split(whereSeparator: \.isWhitespace).map(String.init)
        func after(_ word: String) -> Double { words.firstIndex(of: word).flatMap { Double(words[$0 + 1]) } ?? .nan }
        let bytes = words.firstIndex(of: "Sent").flatMap { Double(words[$0 + 1]) } ?? .nan
        let packets = words.firstIndex(of: "bytes").flatMap { Double(words[$0 + 1]) } ?? .nan
        return (bytes, packets, after("(dropped"))
    }

    /// Takes `host`'s end of the link down (a blackhole: nothing crosses, nobody is told) or up.
    func setLink(_ link: Link, on host: Host, up: Bool) throws {
        try Self.run(Self.ip, ["-n", host.namespace, "link", "set", link.device(on: host), up ? "up" : "down"])
    }

    /// The command line that runs `executable` inside `host` (for ``Child``): the process
    /// `ip netns exec` starts is the program itself, so signals reach it directly.
    func command(in host: Host, _ executable: String, _ arguments: [String]) -> (String, [String]) {
        (Self.ip, ["netns", "exec", host.namespace, executable] + arguments)
    }

    /// Runs `body` on a thread of its own that has entered `host`'s namespace, so the
    /// sockets it opens are the host's; blocking work only.
    func perform<T: Sendable>(in host: Host, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let path = "/var/run/netns/\(host.namespace)"
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0, enterNetworkNamespace(fd) == 0 else {
                    if fd >= 0 { close(fd) }
                    continuation.resume(throwing: TestFailure("cannot enter \(path): errno \(errno)"))
                    return
                }
                close(fd)
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }

    /// Removes every namespace of the lab (and with them their links). Processes still
    /// inside keep theirs until they exit: tests stop their children first.
    func tearDown() {
        for host in hosts.reversed() { try? Self.run(Self.ip, ["netns", "delete", host.namespace]) }
        hosts = []
    }

    /// Removes lab namespaces whose creating process is gone.
    private static func removeStale() throws {
        let listing = try run(ip, ["netns", "list"])
        for line in listing.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count).prefix { $0.isNumber }),
                  kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? run(ip, ["netns", "delete", name])
        }
    }

    /// Runs a setup command to completion (bounded); throws with its output when it fails.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], timeoutSeconds: Double = 10) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish in \(timeoutSeconds) s")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)")
        }
        return text
    }
}

/// setns(2) for the calling thread; declared here because Glibc's module map hides it
/// behind _GNU_SOURCE.
@_silgen_name("setns")
private func setns(_ fd: Int32, _ type: Int32) -> Int32

private func enterNetworkNamespace(_ fd: Int32) -> Int32 {
    setns(fd, 0x4000_0000)  // CLONE_NEWNET
}
