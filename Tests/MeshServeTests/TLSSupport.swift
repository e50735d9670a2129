import Foundation

/// Throwaway TLS material made with the `openssl` CLI in a test's scratch folder: a private
/// CA and server certificates it signs, valid for 127.0.0.1 and localhost.
enum TestTLS {
    static let openssl = "/usr/bin/openssl"
    static let curl = "/usr/bin/curl"

    /// Files of one CA and one server certificate it issued.
    struct Files {
        var caCertificate: String
        var caKey: String
        var certificate: String
        var key: String
    }

    /// A new CA (`ca.pem`) and a server certificate for 127.0.0.1 (`server.crt`, `server.key`).
    static func makeCA(in scratch: Scratch) async throws -> Files {
        let files = Files(caCertificate: scratch.path("ca.pem"), caKey: scratch.path("ca.key"),
                          certificate: scratch.path("server.crt"), key: scratch.path("server.key"))
        try await run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", files.caKey, "-out", files.caCertificate, "-days", "2", "-subj", "/CN=Mutstream Test CA",
                       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                      label: "openssl-ca", in: scratch)
        try await issue(commonName: "origin", certificate: files.certificate, key: files.key, ca: files, in: scratch)
        return files
    }

    /// A server certificate named `commonName` for `subjectAltName` (127.0.0.1 and localhost
    /// unless given), signed by `ca`.
    static func issue(commonName: String, certificate: String, key: String, ca: Files, in scratch: Scratch,
                      subjectAltName: String = "IP:127.0.0.1,DNS:localhost") async throws {
        let request = certificate + ".csr", extensions = certificate + ".ext"
        try scratch.write(URL(fileURLWithPath: extensions).lastPathComponent, """
            subjectAltName=\(subjectAltName)
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth

            """)
        try await run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", key, "-out", request, "-subj", "/CN=\(commonName)"],
                      label: "openssl-req", in: scratch)
        try await run(["x509", "-req", "-in", request, "-CA", ca.caCertificate, "-CAkey", ca.caKey, "-CAcreateserial",
                       "-out", certificate, "-days", "2", "-extfile", extensions],
                      label: "openssl-sign", in: scratch)
    }

    /// curl over HTTPS: (exit status, body). Without `caFile` curl checks against the system
    /// store only (and so refuses the test CA's certificates).
    static func fetch(_ url: String, caFile: String?, in scratch: Scratch) async throws -> (status: Int32, body: String) {
        var arguments = ["--silent", "--show-error", "--fail", "--max-time", "10"]
        if let caFile { arguments += ["--cacert", caFile] }
        return try await Child.run(curl, arguments + [url], label: "curl", in: scratch, timeoutSeconds: 20)
    }

    /// The subject of the certificate a TLS server at 127.0.0.1:`port` presents.
    static func presentedSubject(port: Int, in scratch: Scratch) async throws -> String {
        let (_, out) = try await Child.run(
            "/bin/sh", ["-c", "\(openssl) s_client -connect 127.0.0.1:\(port) </dev/null 2>/dev/null | \(openssl) x509 -noout -subject"],
            label: "s_client", in: scratch, timeoutSeconds: 20)
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func run(_ arguments: [String], label: String, in scratch: Scratch) async throws {
        let child = try Child(openssl, arguments, label: label, in: scratch)
        let deadline = Date().addingTimeInterval(30)
        while child.process.isRunning {
            guard Date() < deadline else {
                child.kill()
                throw TestFailure("openssl \(arguments.first ?? "") did not finish")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard child.process.terminationStatus == 0 else {
            throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(child.standardError)")
        }
    }
}
