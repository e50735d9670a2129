/// Which configured upstreams a box may pull a stream from, given their catalogs.
public enum PullPlanner {
    /// Why an upstream is not eligible.
    public enum Exclusion: Sendable, Hashable {
        /// No catalog from it yet (unreachable, or not asked).
        case noCatalog
        /// Its catalog does not offer the stream.
        case streamNotOffered
        /// Its copy came through this box: pulling from it would make a loop.
        case loop(path: [String])
        /// It is this box.
        case isSelf
        /// Its copy comes from another origin than the configured one.
        case otherOrigin(String)
    }

    /// The upstreams to pull from and the ones left out, with why.
    public struct Plan: Sendable, Hashable {
        /// Eligible upstreams, in configured order.
        public var eligible: [UpstreamID]
        /// Left-out upstreams and the reason for each.
        public var excluded: [UpstreamID: Exclusion]
    }

    /// Sorts `configured` upstreams into eligible and excluded for `stream`: an upstream is
    /// eligible when its catalog offers the stream (from `originID`, when given) and this box
    /// is not on the stream's path there.
    public static func plan(
        for configured: [UpstreamID], stream: String, myNodeID: String, catalogs: [UpstreamID: MeshCatalog],
        originID: String? = nil
    ) -> Plan {
        var plan = Plan(eligible: [], excluded: [:])
        for upstream in configured {
            if let why = exclusion(of: upstream, stream: stream, myNodeID: myNodeID, catalog: catalogs[upstream], originID: originID) {
                plan.excluded[upstream] = why
            } else {
                plan.eligible.append(upstream)
            }
        }
        return plan
    }

    /// The eligible upstreams of ``plan(for:stream:myNodeID:catalogs:originID:)``.
    public static func eligibleUpstreams(
        for configured: [UpstreamID], stream: String, myNodeID: String, catalogs: [UpstreamID: MeshCatalog],
        originID: String? = nil
    ) -> [UpstreamID] {
        plan(for: configured, stream: stream, myNodeID: myNodeID, catalogs: catalogs, originID: originID).eligible
    }

    private static func exclusion(
        of upstream: UpstreamID, stream: String, myNodeID: String, catalog: MeshCatalog?, originID: String?
    ) -> Exclusion? {
        if upstream.nodeID == myNodeID { return .isSelf }
        guard let catalog else { return .noCatalog }
        if catalog.nodeID == myNodeID { return .isSelf }
        guard let entry = catalog.entry(for: stream) else { return .streamNotOffered }
        if entry.path.contains(myNodeID) { return .loop(path: entry.path) }
        if let originID, entry.originID != originID { return .otherOrigin(entry.originID) }
        return nil
    }
}
