@testable import Mesh
import Testing

@Suite struct CredentialTests {
    static let secret = try! MeshSecret(fileContents: Array("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=\n".utf8))
    static let now: Int64 = 1_800_000_017

    @Test func validCredentialIsAcceptedAndNamesTheNode() throws {
        let auth = MeshAuthenticator(secret: Self.secret)
        let header = auth.headerValue(nodeID: "relay-b", method: "GET", target: "/mesh/v1/catalog", unixTimeSeconds: Self.now)
        #expect(header.hasPrefix("Mutstream-Mesh node=relay-b,t=1800000000,sig="))
        #expect(try auth.verify(headerValue: header, method: "GET", target: "/mesh/v1/catalog", unixTimeSeconds: Self.now) == "relay-b")
        // Within the skew either way.
        #expect(try auth.verify(headerValue: header, method: "get", target: "/mesh/v1/catalog", unixTimeSeconds: Self.now + 43) == "relay-b")
        #expect(try auth.verify(headerValue: header, method: "GET", target: "/mesh/v1/catalog", unixTimeSeconds: Self.now - 77) == "relay-b")
    }

    @Test func expiredCredentialIsRefused() {
        let auth = MeshAuthenticator(secret: Self.secret)
        let header = auth.headerValue(nodeID: "relay-b", method: "GET", target: "/x", unixTimeSeconds: Self.now)
        #expect(throws: MeshCredentialError.expired(credentialUnixSeconds: 1_800_000_000, nowUnixSeconds: 1_800_000_061)) {
            try auth.verify(headerValue: header, method: "GET", target: "/x", unixTimeSeconds: 1_800_000_061)
        }
        #expect(throws: MeshCredentialError.expired(credentialUnixSeconds: 1_800_000_000, nowUnixSeconds: 1_799_999_939)) {
            try auth.verify(headerValue: header, method: "GET", target: "/x", unixTimeSeconds: 1_799_999_939)
        }
    }

    @Test func wrongSecretOrRequestIsRefused() throws {
        let other = MeshAuthenticator(secret: try MeshSecret(bytes: Array("another-secret-of-mesh-two".utf8)))
        let header = MeshAuthenticator(secret: Self.secret).headerValue(nodeID: "a", method: "GET", target: "/x", unixTimeSeconds: Self.now)
        #expect(throws: MeshCredentialError.badSignature) {
            try other.verify(headerValue: header, method: "GET", target: "/x", unixTimeSeconds: Self.now)
        }
        let auth = MeshAuthenticator(secret: Self.secret)
        #expect(throws: MeshCredentialError.badSignature) {
            try auth.verify(headerValue: header, method: "GET", target: "/y", unixTimeSeconds: Self.now)
        }
        #expect(throws: MeshCredentialError.badSignature) {
            try auth.verify(headerValue: header, method: "POST", target: "/x", unixTimeSeconds: Self.now)
        }
        // Another node id under the same tag.
        let forged = header.replacingOccurrences(of: "node=a,", with: "node=b,")
        #expect(throws: MeshCredentialError.badSignature) {
            try auth.verify(headerValue: forged, method: "GET", target: "/x", unixTimeSeconds: Self.now)
        }
    }

    @Test func missingAndMalformedCredentialsAreRefused() {
        let auth = MeshAuthenticator(secret: Self.secret)
        #expect(throws: MeshCredentialError.missing) { try auth.verify(headerValue: nil, method: "GET", target: "/", unixTimeSeconds: Self.now) }
        #expect(throws: MeshCredentialError.missing) { try auth.verify(headerValue: "", method: "GET", target: "/", unixTimeSeconds: Self.now) }
        let sig = String(repeating: "A", count: 43) + "="
        let cases: [(String, String)] = [
            ("Bearer abc", "scheme is not Mutstream-Mesh"),
            ("Mutstream-Mesh node=a,t=1", "sig is missing or not base64 of 32 bytes"),
            ("Mutstream-Mesh node=a,t=x,sig=\(sig)", "t is missing or not an integer"),
            ("Mutstream-Mesh node=a b,t=1,sig=\(sig)", "node is missing or invalid"),
            ("Mutstream-Mesh node=a,t=1,sig=AAAA", "sig is missing or not base64 of 32 bytes"),
            ("Mutstream-Mesh node=a,t=1,t=2,sig=\(sig)", "field t twice"),
            ("Mutstream-Mesh node=a,t=1,sig=\(sig),x=1", "unknown fields"),
            ("Mutstream-Mesh node", "field without '='"),
        ]
        for (header, why) in cases {
            #expect(throws: MeshCredentialError.malformed(why)) {
                try auth.verify(headerValue: header, method: "GET", target: "/", unixTimeSeconds: Self.now)
            }
        }
    }

    @Test func windowRoundsDownAlsoBeforeTheEpoch() {
        #expect(MeshCredential.windowStart(59) == 30)
        #expect(MeshCredential.windowStart(60) == 60)
        #expect(MeshCredential.windowStart(-1) == -30)
    }

    @Test func secretsFromKeyFiles() throws {
        let generated = MeshSecret.generate()
        #expect(generated.hasSuffix("\n") && generated.count == 45)
        _ = try MeshSecret(fileContents: Array(generated.utf8))
        // Raw bytes that are not base64 are used as they are.
        _ = try MeshSecret(fileContents: Array("a raw passphrase of some length\n".utf8))
        #expect(throws: MeshKeyError.secretTooShort(lengthBytes: 5)) { try MeshSecret(fileContents: Array("short\n".utf8)) }
    }

    @Test func keyFileModeMustBeOwnerOnly() throws {
        try KeyFilePermissions.check(path: "/etc/mutstream/mesh.key", mode: 0o100600)
        try KeyFilePermissions.check(path: "/etc/mutstream/mesh.key", mode: 0o400)
        for mode: UInt32 in [0o644, 0o640, 0o604, 0o100660, 0o601] {
            #expect(throws: KeyFilePermissionError.self) { try KeyFilePermissions.check(path: "/k", mode: mode) }
        }
        do {
            try KeyFilePermissions.check(path: "/etc/mutstream/mesh.key", mode: 0o100644)
            Issue.record("mode 644 accepted")
        } catch {
            #expect(error.description == "/etc/mutstream/mesh.key: mode 0644 gives group or others access to key material; run `chmod 600 /etc/mutstream/mesh.key`")
        }
    }
}
