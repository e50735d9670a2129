import Foundation
import Mesh
import Testing

/// Issue 5: boxes in network namespaces joined by veth pairs, real `mutstream serve`
/// processes, players inside the namespaces.
@Suite("mesh: boxes in network namespaces", .serialized)
struct MeshLabTests {
    @Test("origin → relay → relay: a player on the last relay plays the stream end to end")
    func chainOfRelays() async throws {
        let scratch = try Scratch("chain")
        defer { scratch.remove() }
        try scratch.writeTinyProfile()
        let (publicKey, auth) = try await RelayPullTests.keys(in: scratch)
        let lab = try NetworkLab()
        defer { lab.tearDown() }
        let originHost = try lab.addHost("origin"), firstHost = try lab.addHost("relay1"), secondHost = try lab.addHost("relay2")
        let toFirst = try lab.link(originHost, firstHost), toSecond = try lab.link(firstHost, secondHost)

        let origin = try await LabBox("origin", on: originHost, lab: lab, config: LabBox.originConfig(scratch: scratch), in: scratch)
        defer { origin.kill() }
        let first = try await LabBox("relay1", on: firstHost, lab: lab, config: LabBox.relayConfig(
            nodeID: "relay1", upstreams: [LabBox.url(toFirst.address(of: originHost))], publicKey: publicKey, scratch: scratch), in: scratch)
        defer { first.kill() }
        let second = try await LabBox("relay2", on: secondHost, lab: lab, config: LabBox.relayConfig(
            nodeID: "relay2", upstreams: [LabBox.url(toSecond.address(of: firstHost))], publicKey: publicKey, scratch: scratch), in: scratch)
        defer { second.kill() }

        try await waitForSegments(2, on: second, lab: lab, others: [origin, first])
        let (executable, arguments) = lab.command(in: secondHost, "/usr/bin/ffmpeg", [
            "-nostdin", "-v", "error", "-i", "http://127.0.0.1:\(LabBox.port)/live/live/master.m3u8",
            "-t", "3", "-f", "null", "-progress", "pipe:1", "-"])
        let (status, progress) = try await Child.run(executable, arguments, label: "ffmpeg-play", in: scratch, timeoutSeconds: 40)
        let frames = progress.split(separator: "\n").last { $0.hasPrefix("frame=") }.flatMap { Int($0.dropFirst(6)) } ?? 0
        #expect(status == 0, "ffmpeg on relay2: \(progress.suffix(500))")
        #expect(frames >= 48, "3 s at 24 fps through two relays, got \(frames) frames")

        // The last relay's catalog names the whole path.
        let target = "/mesh/v1/catalog"
        let body = try await lab.perform(in: secondHost) {
            try TestHTTP.get(host: "127.0.0.1", LabBox.port, target, authorization: TestHTTP.credential(auth, target)).body
        }
        let catalog = try JSONDecoder().decode(MeshCatalog.self, from: Data(body))
        #expect(catalog.entry(for: "live")?.path == ["origin", "relay1", "relay2"])
    }

    @Test("a relay with two upstreams: one is SIGKILLed mid-stream, the player misses no part")
    func failoverOnKill() async throws {
        try await failover(label: "kill") { _, victim in victim.box.kill() }
    }

    @Test("a relay with two upstreams: one is blackholed (link down) mid-stream, the player misses no part")
    func failoverOnBlackhole() async throws {
        try await failover(label: "blackhole") { diamond, victim in
            try diamond.lab.setLink(victim.link, on: victim.link.a, up: false)
        }
    }

    @Test("issue 6: a relay behind a narrow link is relayed only the renditions that fit; a wide one, or one that pins them, gets all")
    func narrowLinkGetsFewerRenditions() async throws {
        let scratch = try Scratch("narrow")
        defer { scratch.remove() }
        try LabBox.writeBenchProfile(in: scratch)
        let (publicKey, _) = try await RelayPullTests.keys(in: scratch)
        let lab = try NetworkLab()
        defer { lab.tearDown() }
        let originHost = try lab.addHost("origin"), wideHost = try lab.addHost("wide"), narrowHost = try lab.addHost("narrow")
        let pinnedHost = try lab.addHost("pinned")
        let toWide = try lab.link(originHost, wideHost), toNarrow = try lab.link(originHost, narrowHost)
        let toPinned = try lab.link(originHost, pinnedHost)
        // The bench ladder: 360p at 1.5 Mbit/s and 180p at 0.4; the narrow links carry 1 Mbit/s.
        try lab.shape(toNarrow, from: originHost, kbitPerSecond: 1000)
        try lab.shape(toPinned, from: originHost, kbitPerSecond: 1000)
        let origin = try await LabBox("origin", on: originHost, lab: lab, config: LabBox.originConfig(
            profile: "bench", source: LabBox.benchSource, scratch: scratch), in: scratch)
        defer { origin.kill() }
        let wide = try await LabBox("wide", on: wideHost, lab: lab, config: LabBox.relayConfig(
            nodeID: "wide", upstreams: [LabBox.url(toWide.address(of: originHost))], publicKey: publicKey, scratch: scratch), in: scratch)
        defer { wide.kill() }
        let narrow = try await LabBox("narrow", on: narrowHost, lab: lab, config: LabBox.relayConfig(
            nodeID: "narrow", upstreams: [LabBox.url(toNarrow.address(of: originHost))], publicKey: publicKey, scratch: scratch), in: scratch)
        defer { narrow.kill() }
        // Its operator wants the whole ladder there whatever the link measures.
        let pinned = try await LabBox("pinned", on: pinnedHost, lab: lab, config: LabBox.relayConfig(
            nodeID: "pinned", upstreams: [LabBox.url(toPinned.address(of: originHost))], publicKey: publicKey, scratch: scratch,
            pinnedRenditions: ["360p", "180p"]), in: scratch)
        defer { pinned.kill() }

        func variants(_ box: LabBox) async throws -> [String] {
            try await lab.perform(in: box.host) {
                guard let r = try? TestHTTP.get(host: "127.0.0.1", LabBox.port, "/live/live/master.m3u8", timeoutSeconds: 3), r.status == 200 else { return [] }
                let names = String(decoding: r.body, as: UTF8.self).split(separator: "\n").filter { $0.hasSuffix("/index.m3u8") }
                    .map { String($0.split(separator: "/").first ?? "") }
                // As a player that reads every variant's playlist (ffmpeg does): each is pulled.
                for name in names { _ = try? TestHTTP.get(host: "127.0.0.1", LabBox.port, "/live/live/\(name)/index.m3u8", timeoutSeconds: 3) }
                return names
            }
        }
        // The narrow relay first pulls everything, measures its link, reports it with its
        // next catalog request, and is then offered 180p only.
        let deadline = Date().addingTimeInterval(45)
        var narrowVariants: [String] = []
        while Date() < deadline {
            narrowVariants = try await variants(narrow)
            if narrowVariants == ["180p"] { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(narrowVariants == ["180p"], "narrow relay serves \(narrowVariants)\n\(narrow.log)")
        #expect(Set(try await variants(wide)) == ["360p", "180p"])
        #expect(Set(try await variants(pinned)) == ["360p", "180p"], "\(pinned.log)")
        let metrics = try await LabMetrics.scrape(originHost, lab: lab)
        #expect(LabMetrics.value(metrics, "mutstream_mesh_peer_offered_renditions{peer=\"pinned\",stream=\"live\"}") == 2)
        let pinnedLink = LabMetrics.value(metrics, "mutstream_mesh_peer_throughput_bits_per_second{peer=\"pinned\"}")
        #expect(pinnedLink > 0 && pinnedLink < 2_000_000, "the pinned relay reported \(pinnedLink) bit/s of a 1 Mbit/s link")
        #expect(LabMetrics.value(metrics, "mutstream_mesh_peer_offered_renditions{peer=\"narrow\",stream=\"live\"}") == 1)
        #expect(LabMetrics.value(metrics, "mutstream_mesh_peer_offered_renditions{peer=\"wide\",stream=\"live\"}") == 2)
        let reported = LabMetrics.value(metrics, "mutstream_mesh_peer_throughput_bits_per_second{peer=\"narrow\"}")
        // Of the link's order (the tbf burst lets small chunks through faster than the rate).
        #expect(reported > 300_000 && reported < 2_000_000, "the narrow relay reported \(reported) bit/s of a 1 Mbit/s link")
        // The origin's admin API shows the same per peer.
        let admin = try await lab.perform(in: originHost) {
            String(decoding: try TestHTTP.get(host: "127.0.0.1", LabBox.port, "/admin/v1/peers").body, as: UTF8.self)
        }
        #expect(admin.contains("\"offered\":{\"live\":[\"180p\"]},\"peer\":\"narrow\""), "\(admin)")
        // And it plays what it has.
        try await Task.sleep(for: .seconds(3))
        let report = try await lab.perform(in: narrowHost) { Bench.follower.follow(seconds: 5) }
        #expect(report.missing.isEmpty && report.arrivals.count >= 8, "\(report)")
    }

    /// origin → left, right → edge; the edge pulls from both. A follower on the edge reads
    /// every part for 14 s; after 5 s `fault` strikes the relay that carried more of the
    /// edge's chunks in the seconds before (so that the fault is felt).
    private func failover(label: String, fault: @escaping @Sendable (Diamond, Diamond.Victim) throws -> Void) async throws {
        let scratch = try Scratch(label)
        defer { scratch.remove() }
        let diamond = try await Diamond(scratch: scratch)
        defer { diamond.stop() }
        try await waitForSegments(2, on: diamond.edge, lab: diamond.lab, others: [diamond.origin, diamond.left, diamond.right])

        let follower = PartFollower(host: "127.0.0.1", port: LabBox.port, stream: "live", rendition: "180p")
        let lab = diamond.lab, edgeHost = diamond.edge.host
        async let report = lab.perform(in: edgeHost) { follower.follow(seconds: 14) }
        try await Task.sleep(for: .seconds(2))
        let victim = try await diamond.busierRelay(overSeconds: 3)
        try fault(diamond, victim)
        let result = try await report
        print("failover on \(label): \(result)")
        #expect(result.missing.isEmpty, "\(result)\nedge log:\n\(diamond.edge.log)")
        #expect(result.arrivals.count >= 48, "14 s of 0.25-s parts: \(result)")
        // No stall: a player PART-HOLD-BACK (3 parts, 0.75 s) behind the live edge has that much
        // media buffered, and each part adds 0.25 s, so it stalls only if two parts arrive
        // more than 1 s apart.
        #expect(result.longestGapSeconds < 1.0, "\(result)\nedge log:\n\(diamond.edge.log)")
    }

    /// Polls the box's 180p playlist from inside its namespace until it lists `count` segments.
    private func waitForSegments(_ count: Int, on box: LabBox, lab: NetworkLab, others: [LabBox]) async throws {
        let deadline = Date().addingTimeInterval(40)
        while true {
            let listed = try await lab.perform(in: box.host) { () -> Int in
                guard let response = try? TestHTTP.get(host: "127.0.0.1", LabBox.port, "/live/live/180p/index.m3u8", timeoutSeconds: 3),
                      response.status == 200 else { return 0 }
                return String(decoding: response.body, as: UTF8.self).components(separatedBy: "#EXTINF").count - 1
            }
            if listed >= count { return }
            guard Date() < deadline else {
                let logs = ([box] + others).map { "\($0.name):\n\($0.log)" }.joined(separator: "\n")
                throw TestFailure("\(box.name) lists \(listed) segments after 40 s\n\(logs)")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// Four boxes: the origin feeds two relays (left, right), and an edge relay pulls from both.
struct Diamond: @unchecked Sendable {
    let lab: NetworkLab
    let origin: LabBox
    let left: LabBox
    let right: LabBox
    let edge: LabBox
    let leftToEdge: NetworkLab.Link
    let rightToEdge: NetworkLab.Link

    /// `beforeEdge` runs once the origin and the two relays serve, before the edge starts.
    init(scratch: Scratch, profile: String = "tiny", source: String = "demo", pullIdleSeconds: Double? = nil,
         edgePins: [String] = [],
         beforeEdge: (NetworkLab, _ left: LabBox, _ right: LabBox, _ leftToEdge: NetworkLab.Link, _ rightToEdge: NetworkLab.Link) async throws -> Void = { _, _, _, _, _ in }) async throws {
        try scratch.writeTinyProfile()
        try LabBox.writeBenchProfile(in: scratch)
        let (publicKey, _) = try await RelayPullTests.keys(in: scratch)
        let lab = try NetworkLab()
        var started: [LabBox] = []
        do {
            let o = try lab.addHost("origin"), l = try lab.addHost("left"), r = try lab.addHost("right"), e = try lab.addHost("edge")
            let ol = try lab.link(o, l), or = try lab.link(o, r)
            leftToEdge = try lab.link(l, e)
            rightToEdge = try lab.link(r, e)
            origin = try await LabBox("origin", on: o, lab: lab, config: LabBox.originConfig(profile: profile, source: source, scratch: scratch), in: scratch)
            started.append(origin)
            left = try await LabBox("left", on: l, lab: lab, config: LabBox.relayConfig(
                nodeID: "left", upstreams: [LabBox.url(ol.address(of: o))], publicKey: publicKey, scratch: scratch, pullIdleSeconds: pullIdleSeconds), in: scratch)
            started.append(left)
            right = try await LabBox("right", on: r, lab: lab, config: LabBox.relayConfig(
                nodeID: "right", upstreams: [LabBox.url(or.address(of: o))], publicKey: publicKey, scratch: scratch, pullIdleSeconds: pullIdleSeconds), in: scratch)
            started.append(right)
            try await beforeEdge(lab, left, right, leftToEdge, rightToEdge)
            edge = try await LabBox("edge", on: e, lab: lab, config: LabBox.relayConfig(
                nodeID: "edge", upstreams: [LabBox.url(leftToEdge.address(of: l)), LabBox.url(rightToEdge.address(of: r))],
                publicKey: publicKey, scratch: scratch, pullIdleSeconds: pullIdleSeconds, pinnedRenditions: edgePins), in: scratch)
        } catch {
            for box in started { box.kill() }
            lab.tearDown()
            throw error
        }
        self.lab = lab
    }

    /// A relay to fault, the link from it to the edge, and the relay that survives.
    struct Victim: Sendable {
        var box: LabBox
        var link: NetworkLab.Link
        var survivor: LabBox
    }

    /// The relay that delivered more of the edge's chunk bytes over the next `seconds`.
    func busierRelay(overSeconds seconds: Double) async throws -> Victim {
        let perUpstream = try await LabMetrics.chunkRate(of: edge.host, lab: lab, seconds: seconds).1
        return (perUpstream["left"] ?? 0) >= (perUpstream["right"] ?? 0)
            ? Victim(box: left, link: leftToEdge, survivor: right)
            : Victim(box: right, link: rightToEdge, survivor: left)
    }

    /// Kills every box and removes the namespaces.
    func stop() {
        for box in [edge, right, left, origin] { box.kill() }
        lab.tearDown()
    }
}
