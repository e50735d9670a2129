/// An upstream peer, by node id.
public struct UpstreamID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The peer's node id.
    public var nodeID: String

    /// An upstream.
    public init(_ nodeID: String) { self.nodeID = nodeID }

    public init(stringLiteral value: String) { self.nodeID = value }

    public static func < (lhs: UpstreamID, rhs: UpstreamID) -> Bool { lhs.nodeID < rhs.nodeID }

    public var description: String { nodeID }
}
