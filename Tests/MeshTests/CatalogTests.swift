import Foundation
import Mesh
import Testing

@Suite struct CatalogTests {
    static func catalog(_ node: String, path: [String], stream: String = "live", origin: String = "origin") -> MeshCatalog {
        MeshCatalog(nodeID: node, streams: [CatalogEntry(
            stream: stream, originID: origin, path: path, segmentTargetSeconds: 2, partTargetSeconds: 0.5,
            renditions: [
                CatalogRendition(name: "720p", kind: .video, averageBitrateBitsPerSecond: 2_500_000,
                                 peakBitrateBitsPerSecond: 3_000_000, width: 1280, height: 720, codecs: "vp09.00.31.08"),
                CatalogRendition(name: "audio", kind: .audio, averageBitrateBitsPerSecond: 96_000,
                                 peakBitrateBitsPerSecond: 96_000, codecs: "opus"),
            ]
        )])
    }

    @Test func upstreamsWhoseCopyCameThroughMeAreExcluded() {
        // b and c relay each other's copy: b's came origin → c → b, so c must not pull from b.
        let catalogs: [UpstreamID: MeshCatalog] = [
            "origin": Self.catalog("origin", path: ["origin"]),
            "b": Self.catalog("b", path: ["origin", "c", "b"]),
            "d": Self.catalog("d", path: ["origin", "d"]),
        ]
        let plan = PullPlanner.plan(for: ["b", "origin", "d", "e", "c"], stream: "live", myNodeID: "c", catalogs: catalogs)
        #expect(plan.eligible == ["origin", "d"])
        #expect(plan.excluded["b"] == .loop(path: ["origin", "c", "b"]))
        #expect(plan.excluded["e"] == .noCatalog)
        #expect(plan.excluded["c"] == .isSelf)
        #expect(PullPlanner.eligibleUpstreams(for: ["b", "d"], stream: "live", myNodeID: "c", catalogs: catalogs) == ["d"])
    }

    @Test func streamAndOriginMustMatch() {
        let catalogs: [UpstreamID: MeshCatalog] = [
            "a": Self.catalog("a", path: ["x", "a"], origin: "x"),
            "b": Self.catalog("b", path: ["origin", "b"], stream: "other"),
            "c": Self.catalog("c", path: ["origin", "c"]),
        ]
        let plan = PullPlanner.plan(for: ["a", "b", "c"], stream: "live", myNodeID: "me", catalogs: catalogs, originID: "origin")
        #expect(plan.eligible == ["c"])
        #expect(plan.excluded["a"] == .otherOrigin("x"))
        #expect(plan.excluded["b"] == .streamNotOffered)
    }

    @Test func relayingAppendsToThePathAndTheJSONRoundTrips() throws {
        let mine = MeshCatalog(nodeID: "c", streams: Self.catalog("origin", path: ["origin"]).streams.map { $0.relayed(by: "c") })
        #expect(mine.entry(for: "live")?.path == ["origin", "c"])
        let json = try JSONEncoder().encode(mine)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""average_bps":2500000"#) && text.contains(#""path":["origin","c"]"#))
        #expect(try JSONDecoder().decode(MeshCatalog.self, from: json) == mine)
    }
}
