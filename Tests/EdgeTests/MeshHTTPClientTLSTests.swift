import Foundation
import Testing
@testable import Edge
import NIOSSL

/// The mesh client's TLS path keeps the puller's contract: a request blocked on a silent
/// peer ends at once when another thread cancels it, and on its own at the read timeout.
/// The peer is `openssl s_server`: it completes the handshake and never answers.
@Suite("mesh client over TLS", .serialized)
struct MeshHTTPClientTLSTests {
    final class Server {
        let process = Process()
        let port: Int
        let directory: URL
        let caFile: String

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("mst-edge-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let cert = directory.appendingPathComponent("cert.pem").path, key = directory.appendingPathComponent("key.pem").path
            try Self.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                          "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
            caFile = cert
            port = Int.random(in: 20_000...40_000)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-quiet"]
            process.standardInput = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Listening when a TCP connect succeeds (a fixed sleep lost the race under load);
            // s_server drops the probe and accepts the next connection.
            let deadline = Date().addingTimeInterval(10)
            while !Self.accepts(port: port), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        }

        private static func accepts(port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }

        func stop() {
            // SIGKILL: s_server does not always end on SIGTERM while it holds a connection.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }

        private static func run(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
    }

    static func context(trusting caFile: String) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        return try NIOSSLContext(configuration: tls)
    }

    @Test func aCancelFromAnotherThreadEndsABlockedRequest() throws {
        let server = try Server()
        defer { server.stop() }
        let endpoint = try #require(MeshHTTPClient.Endpoint(baseURL: "https://127.0.0.1:\(server.port)"))
        let cancellation = RequestCancellation()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.5)
            cancellation.cancel()
        }
        let context = try Self.context(trusting: server.caFile)
        let started = Date()
        var failure: MeshHTTPClient.Failure?
        do {
            _ = try MeshHTTPClient.request(endpoint, method: "GET", target: "/x", authorization: nil, body: nil,
                                           tls: context, timeoutSeconds: 20,
                                           cancellation: cancellation)
        } catch { failure = error }
        let elapsed = Date().timeIntervalSince(started)
        guard case .closed = failure else { Issue.record("expected .closed, got \(String(describing: failure))"); return }
        #expect(elapsed < 3, "cancelled after 0.5 s, returned after \(elapsed) s")
    }

    @Test func aSilentPeerTimesOut() throws {
        let server = try Server()
        defer { server.stop() }
        let endpoint = try #require(MeshHTTPClient.Endpoint(baseURL: "https://127.0.0.1:\(server.port)"))
        let context = try Self.context(trusting: server.caFile)
        let started = Date()
        var failure: MeshHTTPClient.Failure?
        do {
            _ = try MeshHTTPClient.get(endpoint, target: "/x", authorization: nil, tls: context, timeoutSeconds: 1)
        } catch { failure = error }
        guard case .timedOut = failure else { Issue.record("expected .timedOut, got \(String(describing: failure))"); return }
        #expect(Date().timeIntervalSince(started) < 4)
    }
}
