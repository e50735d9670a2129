import Foundation
import Mesh
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The mesh issue's TLS item: `mesh.tls_certificate` + `mesh.tls_key` make the listener
/// HTTPS only; relays pull from `https://` upstreams, trusting the system store plus
/// `mesh.tls_ca_file`. Real `mutstream serve` processes on loopback, a CA made by openssl.
@Suite("mesh: TLS listener and https:// upstreams", .serialized)
struct TLSTests {
    static func originConfig(port: Int, tls: TestTLS.Files, scratch: Scratch) -> String {
        """
        node_id: origin
        listen: "127.0.0.1:\(port)"
        profiles_dir: \(scratch.url.path)
        streams:
          - { name: live, source: demo, profile: tiny }
        mesh:
          secret_file: \(scratch.path("mesh.secret"))
          signing_key_file: \(scratch.path("origin.key"))
          tls_certificate: \(tls.certificate)
          tls_key: \(tls.key)
        limits: { window_segments: 4, blocking_request_timeout_seconds: 3 }

        """
    }

    /// A relay of `live` from `upstream`, plain HTTP itself, trusting `caFile` if given.
    static func relayConfig(port: Int, upstream: String, publicKey: String, caFile: String?, nodeID: String, scratch: Scratch) -> String {
        RelayPullTests.relayConfig(port: port, upstreams: [upstream], publicKey: publicKey, scratch: scratch, nodeID: nodeID)
            .replacingOccurrences(of: "mesh:\n", with: "mesh:\n" + (caFile.map { "  tls_ca_file: \($0)\n" } ?? ""))
    }

    /// Waits until `fetch` returns a media playlist listing two segments.
    static func waitForSegments(_ what: String, timeoutSeconds: Double = 40, logs: () -> String,
                                _ fetch: () async throws -> String?) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while (try await fetch()).map({ $0.components(separatedBy: "#EXTINF").count - 1 }) ?? 0 < 2 {
            guard Date() < deadline else { throw TestFailure("\(what) never listed two segments; logs:\n\(logs().suffix(3000))") }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    static func play(_ url: String, scratch: Scratch) async throws -> (status: Int32, frames: Int) {
        let (status, progress) = try await Child.run(
            "/usr/bin/ffmpeg", ["-nostdin", "-v", "error", "-i", url, "-t", "3", "-f", "null", "-progress", "pipe:1", "-"],
            label: "ffmpeg-play", in: scratch, timeoutSeconds: 40)
        let frames = progress.split(separator: "\n").last { $0.hasPrefix("frame=") }.flatMap { Int($0.dropFirst(6)) } ?? 0
        return (status, frames)
    }

    @Test("the listener serves HTTPS only: ffmpeg and curl with the CA play it, plain HTTP gets nothing, a reload swaps the certificate and refuses a broken one")
    func httpsListener() async throws {
        let scratch = try Scratch("tls-listener")
        defer { scratch.remove() }
        try scratch.writeTinyProfile()
        _ = try await RelayPullTests.keys(in: scratch)
        let tls = try await TestTLS.makeCA(in: scratch)
        let port = try FreePort.tcp()
        let origin = try await ServeProcess(config: Self.originConfig(port: port, tls: tls, scratch: scratch),
                                            port: port, label: "origin", in: scratch)
        defer { origin.kill() }
        let base = "https://127.0.0.1:\(port)"
        #expect(origin.child.standardOutput.contains("\(base)/live/live/master.m3u8"), "the printed URLs are https://")

        try await Self.waitForSegments("the HTTPS origin", logs: { origin.child.standardError }) {
            let (status, body) = try await TestTLS.fetch("\(base)/live/live/180p/index.m3u8", caFile: tls.caCertificate, in: scratch)
            return status == 0 ? body : nil
        }
        let (status, frames) = try await Self.play("\(base)/live/live/master.m3u8", scratch: scratch)
        #expect(status == 0)
        #expect(frames >= 48, "3 s at 24 fps over HTTPS, got \(frames) frames")

        // Operations and the adaptive playlist (delivery probes read the TLS connection's socket).
        let metrics = try await TestTLS.fetch("\(base)/metrics", caFile: tls.caCertificate, in: scratch)
        #expect(metrics.status == 0 && metrics.body.contains("mutstream_http_requests_total"))
        let auto = try await TestTLS.fetch("\(base)/live/live/auto/index.m3u8", caFile: tls.caCertificate, in: scratch)
        #expect(auto.status == 0 && auto.body.contains("#EXTINF"))

        // The certificate is checked: curl without the test CA refuses it (exit 60).
        #expect(try await TestTLS.fetch("\(base)/healthz", caFile: nil, in: scratch).status == 60)
        // HTTPS only: a plain HTTP request to the port gets no HTTP response.
        #expect(throws: (any Error).self) { try TestHTTP.get(port, "/healthz", timeoutSeconds: 5) }
        #expect(try await TestTLS.fetch("\(base)/healthz", caFile: tls.caCertificate, in: scratch).status == 0)

        // Reload with a key file that is not a key: rejected, the old certificate stays.
        #expect(try await TestTLS.presentedSubject(port: port, in: scratch).contains("CN = origin"))
        let goodKey = try String(contentsOfFile: tls.key, encoding: .utf8)
        try "not a key\n".write(toFile: tls.key, atomically: true, encoding: .utf8)
        kill(origin.child.process.processIdentifier, SIGHUP)
        try await waitForLog(origin, "configuration rejected")
        #expect(origin.child.standardError.contains("mesh.tls_key: \(tls.key) is not an unencrypted PEM private key"))
        #expect(try await TestTLS.fetch("\(base)/healthz", caFile: tls.caCertificate, in: scratch).status == 0)
        #expect(try await TestTLS.presentedSubject(port: port, in: scratch).contains("CN = origin"))
        try goodKey.write(toFile: tls.key, atomically: true, encoding: .utf8)

        // A renewed certificate (and key) in the same files: a reload picks it up.
        try await TestTLS.issue(commonName: "renewed", certificate: tls.certificate, key: tls.key, ca: tls, in: scratch)
        kill(origin.child.process.processIdentifier, SIGHUP)
        try await waitForLog(origin, "configuration reloaded")
        #expect(try await TestTLS.presentedSubject(port: port, in: scratch).contains("CN = renewed"))
        #expect(try await TestTLS.fetch("\(base)/healthz", caFile: tls.caCertificate, in: scratch).status == 0)
    }

    @Test("a relay pulls from an https:// origin trusting tls_ca_file and plays; one without the CA refuses the upstream")
    func relayOverHTTPS() async throws {
        let scratch = try Scratch("tls-relay")
        defer { scratch.remove() }
        try scratch.writeTinyProfile()
        let (publicKey, _) = try await RelayPullTests.keys(in: scratch)
        let tls = try await TestTLS.makeCA(in: scratch)
        let originPort = try FreePort.tcp()
        let origin = try await ServeProcess(config: Self.originConfig(port: originPort, tls: tls, scratch: scratch),
                                            port: originPort, label: "origin", in: scratch)
        defer { origin.kill() }
        let upstream = "https://127.0.0.1:\(originPort)"

        let trustingPort = try FreePort.tcp()
        let trusting = try await ServeProcess(
            config: Self.relayConfig(port: trustingPort, upstream: upstream, publicKey: publicKey, caFile: tls.caCertificate,
                                     nodeID: "relay", scratch: scratch),
            port: trustingPort, label: "relay", in: scratch)
        defer { trusting.kill() }
        let untrustingPort = try FreePort.tcp()
        let untrusting = try await ServeProcess(
            config: Self.relayConfig(port: untrustingPort, upstream: upstream, publicKey: publicKey, caFile: nil,
                                     nodeID: "stranger", scratch: scratch),
            port: untrustingPort, label: "stranger", in: scratch)
        defer { untrusting.kill() }

        try await Self.waitForSegments("the relay trusting the CA", logs: { trusting.child.standardError + origin.child.standardError }) {
            let response = try TestHTTP.get(trustingPort, "/live/live/180p/index.m3u8")
            return response.status == 200 ? String(decoding: response.body, as: UTF8.self) : nil
        }
        let (status, frames) = try await Self.play("http://127.0.0.1:\(trustingPort)/live/live/master.m3u8", scratch: scratch)
        #expect(status == 0)
        #expect(frames >= 48, "3 s at 24 fps through the relay, got \(frames) frames")
        let metrics = String(decoding: try TestHTTP.get(trustingPort, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("mutstream_mesh_chunks_pulled_total{stream=\"live\"}"))

        // The relay without the CA: the certificate fails verification, said in its log, and
        // nothing of the stream is pulled.
        try await waitForLog(untrusting, "upstream \(upstream) cannot be read")
        let log = untrusting.child.standardError
        #expect(log.contains("TLS: handshakeFailed") && log.contains("CERTIFICATE_VERIFY_FAILED"), "\(log.suffix(2000))")
        #expect(try TestHTTP.get(untrustingPort, "/live/live/180p/index.m3u8").status != 200)
        let strangerMetrics = String(decoding: try TestHTTP.get(untrustingPort, "/metrics").body, as: UTF8.self)
        #expect(!strangerMetrics.contains("mutstream_mesh_chunks_pulled_total{stream=\"live\"}"))
    }

    @Test("a relay refuses an https:// upstream whose certificate names another host, even from a trusted CA")
    func hostNameIsChecked() async throws {
        let scratch = try Scratch("tls-name")
        defer { scratch.remove() }
        let (publicKey, _) = try await RelayPullTests.keys(in: scratch)
        let tls = try await TestTLS.makeCA(in: scratch)
        try await TestTLS.issue(commonName: "elsewhere", certificate: tls.certificate, key: tls.key, ca: tls, in: scratch,
                                subjectAltName: "DNS:elsewhere.example")
        // An upstream with no streams: the relay's first request, its catalog, already fails.
        let originPort = try FreePort.tcp()
        let origin = try await ServeProcess(config: """
            node_id: origin
            listen: "127.0.0.1:\(originPort)"
            mesh:
              secret_file: \(scratch.path("mesh.secret"))
              tls_certificate: \(tls.certificate)
              tls_key: \(tls.key)

            """, port: originPort, label: "origin", in: scratch)
        defer { origin.kill() }
        let relayPort = try FreePort.tcp()
        let upstream = "https://127.0.0.1:\(originPort)"
        let relay = try await ServeProcess(
            config: Self.relayConfig(port: relayPort, upstream: upstream, publicKey: publicKey, caFile: tls.caCertificate,
                                     nodeID: "relay", scratch: scratch),
            port: relayPort, label: "relay", in: scratch)
        defer { relay.kill() }
        try await waitForLog(relay, "upstream \(upstream) cannot be read")
        #expect(relay.child.standardError.contains("failedToValidateHostname"), "\(relay.child.standardError.suffix(2000))")
        // The same certificate is fine to a client that asks for the name it carries.
        let (status, _) = try await Child.run(
            TestTLS.curl, ["--silent", "--fail", "--max-time", "10", "--cacert", tls.caCertificate,
                           "--resolve", "elsewhere.example:\(originPort):127.0.0.1", "https://elsewhere.example:\(originPort)/healthz"],
            label: "curl-name", in: scratch, timeoutSeconds: 20)
        #expect(status == 0)
    }

    @Test("unusable TLS files stop the start with exit 2 and config-file: field: reason")
    func badFilesStopTheStart() async throws {
        let scratch = try Scratch("tls-bad")
        defer { scratch.remove() }
        let tls = try await TestTLS.makeCA(in: scratch)
        let other = TestTLS.Files(caCertificate: tls.caCertificate, caKey: tls.caKey,
                                  certificate: scratch.path("other.crt"), key: scratch.path("other.key"))
        try await TestTLS.issue(commonName: "other", certificate: other.certificate, key: other.key, ca: tls, in: scratch)
        try scratch.write("junk.pem", "not PEM at all\n")
        let cases: [(mesh: String, expected: String)] = [
            ("tls_certificate: \(scratch.path("missing.crt"))\n  tls_key: \(tls.key)",
             "mesh.tls_certificate: \(scratch.path("missing.crt")) does not exist"),
            ("tls_certificate: \(scratch.path("junk.pem"))\n  tls_key: \(tls.key)",
             "mesh.tls_certificate: \(scratch.path("junk.pem")) holds no PEM certificate"),
            ("tls_certificate: \(tls.certificate)\n  tls_key: \(scratch.path("junk.pem"))",
             "mesh.tls_key: \(scratch.path("junk.pem")) is not an unencrypted PEM private key"),
            ("tls_certificate: \(tls.certificate)\n  tls_key: \(other.key)",
             "mesh.tls_key: \(other.key) cannot be used with the certificate"),
            ("tls_ca_file: \(scratch.path("junk.pem"))", "mesh.tls_ca_file: \(scratch.path("junk.pem")) holds no PEM certificate"),
            ("tls_ca_file: \(scratch.path("nope.pem"))", "mesh.tls_ca_file: \(scratch.path("nope.pem")) does not exist"),
        ]
        for (index, item) in cases.enumerated() {
            let config = scratch.path("bad-\(index).yaml")
            try "listen: \"127.0.0.1:\(try FreePort.tcp())\"\nmesh:\n  \(item.mesh)\n".write(toFile: config, atomically: true, encoding: .utf8)
            let child = try Child(Binaries.mutstream, ["serve", "--config", config], label: "bad-\(index)", in: scratch)
            let deadline = Date().addingTimeInterval(20)
            while child.process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            child.kill()
            #expect(child.process.terminationStatus == 2, "case \(index)")
            #expect(child.standardError.hasPrefix("\(config): \(item.expected)"), "case \(index): \(child.standardError)")
        }
    }

    private func waitForLog(_ process: ServeProcess, _ text: String, timeoutSeconds: Double = 20) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !process.child.standardError.contains(text) {
            guard Date() < deadline else { throw TestFailure("no \"\(text)\" in the log:\n\(process.child.standardError.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
