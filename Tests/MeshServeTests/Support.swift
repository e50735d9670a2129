import Foundation
import Mesh
#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder for one test, removed at the end.
struct Scratch {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mst-mesh-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String) throws { try text.write(toFile: path(name), atomically: true, encoding: .utf8) }
    func remove() { try? FileManager.default.removeItem(at: url) }

    /// A one-rung VP9 ladder (320x180, 1-s segments, 0.25-s parts) with 32 kbit/s Opus.
    func writeTinyProfile() throws {
        try write("tiny.yaml", """
            name: tiny
            segment_seconds: 1
            part_seconds: 0.25
            frame_rate: 24
            video:
              codec: vp9
              speed: 8
              renditions:
                - { name: 180p, width: 320, height: 180, bitrate_kbps: 200 }
            audio: { codec: opus, bitrate_kbps: 32 }

            """)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Binaries {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var mutstream: String {
        ProcessInfo.processInfo.environment["MUTSTREAM_BINARY"].flatMap { $0.isEmpty ? nil : $0 }
            ?? root.appendingPathComponent(".build/debug/mutstream").path
    }
}

/// A child process with its output captured to files in the scratch folder.
final class Child: @unchecked Sendable {
    let process = Process()
    let outURL: URL
    let errURL: URL

    init(_ executable: String, _ arguments: [String], label: String, in scratch: Scratch) throws {
        outURL = scratch.url.appendingPathComponent("\(label).out")
        errURL = scratch.url.appendingPathComponent("\(label).err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    var standardOutput: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Runs to completion (bounded) and returns (status, stdout).
    static func run(_ executable: String, _ arguments: [String], label: String, in scratch: Scratch, timeoutSeconds: Double) async throws -> (Int32, String) {
        let child = try Child(executable, arguments, label: label, in: scratch)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while child.process.isRunning {
            if Date() > deadline {
                child.kill()
                throw TestFailure("\(label) did not finish in \(timeoutSeconds) s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (child.process.terminationStatus, child.standardOutput)
    }
}

enum FreePort {
    static func tcp() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// `mutstream serve` on loopback.
final class ServeProcess {
    let child: Child
    let port: Int

    init(config: String, port: Int, label: String, in scratch: Scratch) async throws {
        let path = scratch.path("\(label).yaml")
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        child = try Child(Binaries.mutstream, ["serve", "--config", path], label: label, in: scratch)
        self.port = port
        let deadline = Date().addingTimeInterval(20)
        while !child.standardOutput.contains("mutstream serving on port") {
            guard child.process.isRunning else { throw TestFailure("\(label) exited: \(child.standardError.suffix(2000))") }
            guard Date() < deadline else {
                child.kill()
                throw TestFailure("\(label) did not start: \(child.standardError.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    var base: String { "http://127.0.0.1:\(port)" }
    func kill() { child.kill() }
}

/// A minimal HTTP GET over a socket (the test's own client, independent of the product's).
enum TestHTTP {
    static func get(_ port: Int, _ target: String, authorization: String? = nil, timeoutSeconds: Double = 10) throws -> (status: Int, body: [UInt8]) {
        try get(host: "127.0.0.1", port, target, authorization: authorization, timeoutSeconds: timeoutSeconds)
    }

    /// GET from `host` (an IPv4 address) — inside a lab namespace when run from ``NetworkLab/perform(in:_:)``.
    static func get(host: String, _ port: Int, _ target: String, authorization: String? = nil, timeoutSeconds: Double = 10) throws -> (status: Int, body: [UInt8]) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(timeoutSeconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connectIPv4(fd, host: host, port: port) else { throw TestFailure("connect to \(host):\(port) failed") }
        var head = "GET \(target) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        head += "\r\n"
        _ = head.withCString { send(fd, $0, strlen($0), 0) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[..<n]
        }
        guard let end = (0..<max(0, data.count - 3)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 && data[$0 + 2] == 13 && data[$0 + 3] == 10 }) else {
            throw TestFailure("no response head from \(host):\(port)\(target)")
        }
        let status = Int(String(decoding: data[9..<12], as: UTF8.self)) ?? 0
        return (status, Array(data[(end + 4)...]))
    }

    static func credential(_ secret: MeshAuthenticator, _ target: String) -> String {
        secret.headerValue(nodeID: "tester", method: "GET", target: target, unixTimeSeconds: Int64(Date().timeIntervalSince1970))
    }
}

/// Connects a TCP socket to an IPv4 address (blocking); false if the connect fails.
func connectIPv4(_ fd: Int32, host: String, port: Int) -> Bool {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr(host)
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
