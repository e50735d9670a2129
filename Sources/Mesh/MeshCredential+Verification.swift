import Crypto

extension MeshCredential {
    /// Parses a header value; throws ``MeshCredentialError/malformed(_:)`` naming the problem.
    public init(parsing headerValue: String) throws(MeshCredentialError) {
        let value = headerValue.trimmingPrefix(while: { $0 == " " })
        guard value.hasPrefix(Self.scheme + " ") else { throw .malformed("scheme is not \(Self.scheme)") }
        var fields: [Substring: Substring] = [:]
        for pair in value.dropFirst(Self.scheme.count + 1).split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw .malformed("field without '='") }
            let name = parts[0].trimmingPrefix(while: { $0 == " " })
            guard fields[name] == nil else { throw .malformed("field \(name) twice") }
            fields[name] = parts[1]
        }
        guard let node = fields["node"], Self.isValidNodeID(node) else { throw .malformed("node is missing or invalid") }
        guard let t = fields["t"].flatMap({ Int64($0) }) else { throw .malformed("t is missing or not an integer") }
        guard let sig = fields["sig"].flatMap({ Base64.decode($0) }), sig.count == 32 else {
            throw .malformed("sig is missing or not base64 of 32 bytes")
        }
        guard fields.count == 3 else { throw .malformed("unknown fields") }
        self.nodeID = String(node)
        self.windowStartUnixSeconds = t
        self.signature = sig
    }
}

/// Checks the credentials of incoming mesh requests. A request without a valid one gets 401.
public struct MeshAuthenticator: Sendable {
    /// Largest accepted difference, either way, between the credential's `t` and the local clock.
    public var maximumSkewSeconds: Int64
    private let secret: MeshSecret

    /// An authenticator for one mesh secret.
    public init(secret: MeshSecret, maximumSkewSeconds: Int64 = 60) {
        self.secret = secret
        self.maximumSkewSeconds = maximumSkewSeconds
    }

    /// The header value for an outgoing request from `nodeID`.
    public func headerValue(nodeID: String, method: String, target: String, unixTimeSeconds: Int64) -> String {
        MeshCredential(secret: secret, nodeID: nodeID, method: method, target: target, unixTimeSeconds: unixTimeSeconds).headerValue
    }

    /// Checks an incoming request's header value (nil when the header is absent) and returns
    /// the authenticated node id.
    public func verify(
        headerValue: String?, method: String, target: String, unixTimeSeconds: Int64
    ) throws(MeshCredentialError) -> String {
        guard let headerValue, !headerValue.isEmpty else { throw .missing }
        let credential = try MeshCredential(parsing: headerValue)
        let skew = credential.windowStartUnixSeconds.subtractingReportingOverflow(unixTimeSeconds)
        guard !skew.overflow, abs(skew.partialValue) <= maximumSkewSeconds else {
            throw .expired(credentialUnixSeconds: credential.windowStartUnixSeconds, nowUnixSeconds: unixTimeSeconds)
        }
        let message = MeshCredential.message(
            nodeID: credential.nodeID, window: credential.windowStartUnixSeconds, method: method, target: target)
        // Constant-time comparison inside swift-crypto.
        guard HMAC<SHA256>.isValidAuthenticationCode(credential.signature, authenticating: message, using: secret.key) else {
            throw .badSignature
        }
        return credential.nodeID
    }
}

/// Why a mesh request's credential was refused (the server answers 401 for every case).
public enum MeshCredentialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No credential header.
    case missing
    /// The header is not `Mutstream-Mesh node=…,t=…,sig=…`.
    case malformed(String)
    /// `t` is further from the local clock than the allowed skew.
    case expired(credentialUnixSeconds: Int64, nowUnixSeconds: Int64)
    /// The tag does not match: another secret, or another method or path.
    case badSignature

    public var description: String {
        switch self {
        case .missing: "no \(MeshCredential.headerName) header"
        case .malformed(let why): "malformed mesh credential: \(why)"
        case .expired(let t, let now): "mesh credential for t=\(t) is too far from now (\(now)); check the clocks"
        case .badSignature: "mesh credential does not verify (different mesh secret?)"
        }
    }
}
