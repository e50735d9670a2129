@testable import Edge
import Mesh
import Relay
import Testing

/// What a box offers each downstream peer in its catalog, from the peer's reports.
@Suite struct MeshPeerLinksTests {
    static let catalog = MeshCatalog(nodeID: "origin", streams: ["live", "news"].map { stream in
        CatalogEntry(stream: stream, originID: "origin", path: ["origin"], segmentTargetSeconds: 2, partTargetSeconds: 0.5,
                     renditions: [
                        CatalogRendition(name: "720p", kind: .video, averageBitrateBitsPerSecond: 3_000_000,
                                         peakBitrateBitsPerSecond: 4_500_000, codecs: "avc1.64001f"),
                        CatalogRendition(name: "180p", kind: .video, averageBitrateBitsPerSecond: 400_000,
                                         peakBitrateBitsPerSecond: 600_000, codecs: "avc1.42c00d"),
                        CatalogRendition(name: "audio", kind: .audio, averageBitrateBitsPerSecond: 96_000,
                                         peakBitrateBitsPerSecond: 105_600, codecs: "mp4a.40.2"),
                     ])
    })

    func offered(_ links: MeshPeerLinks, _ peer: String, _ stream: String) -> [String] {
        links.catalog(Self.catalog, for: peer).entry(for: stream)!.renditions.map(\.name)
    }

    @Test func aNarrowLinkIsOfferedTheCheapestVideoAndTheAudio() {
        let links = MeshPeerLinks(registry: MetricsRegistry())
        links.heard(from: "relay", report: "mtp=2000")
        #expect(offered(links, "relay", "live") == ["180p", "audio"])
        links.heard(from: "wide", report: "mtp=20000")
        #expect(offered(links, "wide", "live") == ["720p", "180p", "audio"])
    }

    @Test func pinnedRenditionsAreOfferedWhateverTheLinkOfTheirStreamOnly() {
        let links = MeshPeerLinks(registry: MetricsRegistry())
        let report = "mtp=2000," + MeshPeerLinks.pinnedItem(stream: "live", ["720p", "180p"])
        #expect(report == "mtp=2000,pin=live/720p|live/180p")
        links.heard(from: "relay", report: report)
        #expect(offered(links, "relay", "live") == ["720p", "180p", "audio"])
        #expect(offered(links, "relay", "news") == ["180p", "audio"])
        // Another stream's puller reports its own pins; the first stream's stay.
        links.heard(from: "relay", report: "mtp=2000")
        #expect(offered(links, "relay", "live") == ["720p", "180p", "audio"])
        #expect(links.summaries().first?.offered["live"] == ["180p", "720p", "audio"].sorted())
    }

    @Test func reportsAreParsedStrictly() {
        #expect(MeshPeerLinks.measuredThroughputBitsPerSecond("mtp=1500") == 1_500_000)
        #expect(MeshPeerLinks.measuredThroughputBitsPerSecond("pin=live/720p, mtp = 25") == 25_000)
        #expect(MeshPeerLinks.measuredThroughputBitsPerSecond("mtp=-3") == nil)
        #expect(MeshPeerLinks.measuredThroughputBitsPerSecond("mtp=nan") == nil)
        #expect(MeshPeerLinks.pinnedRenditions("mtp=5,pin=live/720p|news/audio|junk") == ["live": ["720p"], "news": ["audio"]])
        #expect(MeshPeerLinks.pinnedRenditions("mtp=5").isEmpty)
    }
}
