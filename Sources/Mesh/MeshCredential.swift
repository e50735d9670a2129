import Crypto

/// The credential a box puts on every mesh request, in the `Authorization` header:
///
/// ```
/// Authorization: Mutstream-Mesh node=<node id>,t=<unix seconds>,sig=<base64>
/// ```
///
/// `t` is the request time rounded down to a 30-second window; `sig` is HMAC-SHA256 under the
/// mesh secret of `mutstream-mesh-v1`, node id, `t`, method and request target (path and
/// query, as sent), each on its own line. Within its window a credential can be replayed for
/// the same method and target only; mesh requests are reads, so that grants nothing new.
public struct MeshCredential: Sendable, Hashable {
    /// The header that carries it.
    public static let headerName = "Authorization"
    /// The authorisation scheme.
    public static let scheme = "Mutstream-Mesh"
    /// Width of the time window `t` is rounded to.
    public static let windowSeconds: Int64 = 30
    /// Longest node id accepted.
    public static let maximumNodeIDBytes = 64

    /// The requesting box's node id.
    public var nodeID: String
    /// Start of the 30-second window of the request, in Unix seconds.
    public var windowStartUnixSeconds: Int64
    /// HMAC-SHA256 tag (32 bytes).
    public var signature: [UInt8]

    /// The credential for a request at `unixTimeSeconds`.
    public init(secret: MeshSecret, nodeID: String, method: String, target: String, unixTimeSeconds: Int64) {
        let window = Self.windowStart(unixTimeSeconds)
        self.nodeID = nodeID
        self.windowStartUnixSeconds = window
        let mac = HMAC<SHA256>.authenticationCode(
            for: Self.message(nodeID: nodeID, window: window, method: method, target: target), using: secret.key)
        self.signature = Array(mac)
    }

    /// The header value.
    public var headerValue: String {
        "\(Self.scheme) node=\(nodeID),t=\(windowStartUnixSeconds),sig=\(Base64.encode(signature))"
    }

    static func windowStart(_ unixTimeSeconds: Int64) -> Int64 {
        // Floor division, also for times before 1970.
        let (q, r) = unixTimeSeconds.quotientAndRemainder(dividingBy: windowSeconds)
        return (r < 0 ? q - 1 : q) * windowSeconds
    }

    static func message(nodeID: String, window: Int64, method: String, target: String) -> [UInt8] {
        Array("mutstream-mesh-v1\n\(nodeID)\n\(window)\n\(method.uppercased())\n\(target)".utf8)
    }

    /// True for 1…64 characters of `A-Z a-z 0-9 . _ - :` (nothing the header syntax uses).
    public static func isValidNodeID(_ id: some StringProtocol) -> Bool {
        let utf8 = id.utf8
        return !utf8.isEmpty && utf8.count <= maximumNodeIDBytes && utf8.allSatisfy { b in
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "-"), UInt8(ascii: ":"): true
            default: false
            }
        }
    }
}
