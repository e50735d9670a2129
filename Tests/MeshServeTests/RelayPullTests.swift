import Foundation
import Mesh
import Testing

/// Issue 5, priorities 1–2: an origin (`source: demo`) signs its index; a relay
/// (`upstreams:`) pulls, verifies and serves it; real `mutstream serve` processes on loopback.
@Suite("mesh: origin → relay over real sockets", .serialized)
struct RelayPullTests {
    static func keys(in scratch: Scratch) async throws -> (publicKey: String, authenticator: MeshAuthenticator) {
        let (status, out) = try await Child.run(
            Binaries.mutstream, ["mesh", "keygen", "--signing-key", scratch.path("origin.key"), "--secret", scratch.path("mesh.secret")],
            label: "keygen", in: scratch, timeoutSeconds: 20)
        #expect(status == 0)
        let line = try #require(out.split(separator: "\n").first { $0.hasPrefix("origin_public_key: ") })
        for name in ["origin.key", "mesh.secret"] {
            let mode = try FileManager.default.attributesOfItem(atPath: scratch.path(name))[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name) is written owner-only")
        }
        let secret = try MeshSecret(fileContents: Array(try Data(contentsOf: URL(fileURLWithPath: scratch.path("mesh.secret")))))
        return (String(line.dropFirst("origin_public_key: ".count)), MeshAuthenticator(secret: secret))
    }

    /// ``LabBox/relayConfig(nodeID:upstreams:publicKey:scratch:pullIdleSeconds:)`` on a loopback port.
    static func relayConfig(port: Int, upstreams: [String], publicKey: String, scratch: Scratch, nodeID: String = "relay",
                            pullIdleSeconds: Double? = nil) -> String {
        "listen: \"127.0.0.1:\(port)\"\n"
            + LabBox.relayConfig(nodeID: nodeID, upstreams: upstreams, publicKey: publicKey, scratch: scratch, pullIdleSeconds: pullIdleSeconds)
    }

    /// An origin serving the tiny demo ladder and a relay pulling from it, on loopback ports,
    /// with the origin's public key and the mesh credential of their secret.
    static func originAndRelay(in scratch: Scratch, pullIdleSeconds: Double? = nil) async throws
        -> (origin: ServeProcess, relay: ServeProcess, publicKey: String, auth: MeshAuthenticator)
    {
        try scratch.writeTinyProfile()
        let (publicKey, auth) = try await keys(in: scratch)
        let originPort = try FreePort.tcp()
        let origin = try await ServeProcess(config: originConfig(port: originPort, scratch: scratch), port: originPort,
                                            label: "origin", in: scratch)
        do {
            let relayPort = try FreePort.tcp()
            let relay = try await ServeProcess(
                config: relayConfig(port: relayPort, upstreams: [origin.base], publicKey: publicKey, scratch: scratch,
                                    pullIdleSeconds: pullIdleSeconds),
                port: relayPort, label: "relay", in: scratch)
            return (origin, relay, publicKey, auth)
        } catch {
            origin.kill()
            throw error
        }
    }

    @Test("the relay plays end to end with ffmpeg; unauthenticated mesh requests get 401")
    func originToRelay() async throws {
        let scratch = try Scratch("relay")
        defer { scratch.remove() }
        let (origin, relay, publicKey, auth) = try await Self.originAndRelay(in: scratch)
        defer { origin.kill(); relay.kill() }
        let originPort = origin.port, relayPort = relay.port

        // 401 without a credential, and with a forged one.
        #expect(try TestHTTP.get(originPort, "/mesh/v1/catalog").status == 401)
        #expect(try TestHTTP.get(originPort, "/mesh/v1/catalog", authorization: "Mutstream-Mesh node=x,t=0,sig=AAAA").status == 401)
        #expect(try TestHTTP.get(relayPort, "/mesh/v1/chunks/live/180p/0.0").status == 401)

        // The relay serves the stream: wait until its media playlist lists two whole segments
        // (a player given an empty live playlist gives up), then play it.
        let deadline = Date().addingTimeInterval(30)
        func segmentsListed() throws -> Int {
            let response = try TestHTTP.get(relayPort, "/live/live/180p/index.m3u8")
            guard response.status == 200 else { return 0 }
            return String(decoding: response.body, as: UTF8.self).components(separatedBy: "#EXTINF").count - 1
        }
        while try segmentsListed() < 2 {
            guard Date() < deadline else {
                throw TestFailure("relay never served a playlist; relay log:\n\(relay.child.standardError.suffix(3000))\norigin log:\n\(origin.child.standardError.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let (status, progress) = try await Child.run(
            "/usr/bin/ffmpeg", ["-nostdin", "-v", "error", "-i", "http://127.0.0.1:\(relayPort)/live/live/master.m3u8",
                                "-t", "3", "-f", "null", "-progress", "pipe:1", "-"],
            label: "ffmpeg-play", in: scratch, timeoutSeconds: 40)
        let frames = progress.split(separator: "\n").last { $0.hasPrefix("frame=") }.flatMap { Int($0.dropFirst(6)) } ?? 0
        #expect(status == 0)
        #expect(frames >= 48, "3 s at 24 fps through the relay, got \(frames) frames")

        // The relay's catalog shows the path origin → relay; the origin's signed entries pass unchanged.
        let catalogTarget = "/mesh/v1/catalog"
        let catalogBody = try TestHTTP.get(relayPort, catalogTarget, authorization: TestHTTP.credential(auth, catalogTarget)).body
        let catalog = try JSONDecoder().decode(MeshCatalog.self, from: Data(catalogBody))
        #expect(catalog.entry(for: "live")?.path == ["origin", "relay"])
        let indexTarget = "/mesh/v1/index/live/180p"
        let lines = try TestHTTP.get(relayPort, indexTarget, authorization: TestHTTP.credential(auth, indexTarget)).body
            .split(separator: UInt8(ascii: "\n"))
        let verifier = try IndexVerifier(publicKeyBase64: publicKey)
        #expect(!lines.isEmpty)
        for line in lines {
            let signed = try JSONDecoder().decode(SignedIndexEntry.self, from: Data(line))
            #expect(signed.originID == "origin")
            try verifier.verify(signed)
            let id = signed.entry.id
            let chunkTarget = "/mesh/v1/chunks/live/180p/\(id.mediaSequence).\(id.partIndex)"
            let bytes = try TestHTTP.get(relayPort, chunkTarget, authorization: TestHTTP.credential(auth, chunkTarget)).body
            try verifier.verify(entry: signed, bytes: bytes)
        }
        let metrics = String(decoding: try TestHTTP.get(relayPort, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("mutstream_mesh_chunks_pulled_total{stream=\"live\"}"))
    }

    @Test("demand: a relay pulls a rendition only while it is read, and stops after the idle time")
    func demandDriven() async throws {
        let scratch = try Scratch("demand")
        defer { scratch.remove() }
        let (origin, relay, _, _) = try await Self.originAndRelay(in: scratch, pullIdleSeconds: 2)
        defer { origin.kill(); relay.kill() }
        let relayPort = relay.port
        func published(_ rendition: String) throws -> Double {
            let text = String(decoding: try TestHTTP.get(relayPort, "/metrics").body, as: UTF8.self)
            let series = "mutstream_store_parts_published_total{stream=\"live\",rendition=\"\(rendition)\"} "
            return text.split(separator: "\n").first { $0.hasPrefix(series) }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        }
        // Nobody reads: nothing is pulled (the stream is offered all the same).
        try await Task.sleep(for: .seconds(3))
        #expect(try published("180p") == 0 && published("audio") == 0, "\(relay.child.standardError.suffix(2000))")
        #expect(try TestHTTP.get(relayPort, "/live/live/master.m3u8").status == 200)
        // A player reads 180p: it is pulled (the first playlist request waits for it); audio is not.
        let deadline = Date().addingTimeInterval(20)
        while try published("180p") < 8 {
            guard Date() < deadline else { throw TestFailure("180p not pulled while read:\n\(relay.child.standardError.suffix(3000))") }
            _ = try TestHTTP.get(relayPort, "/live/live/180p/index.m3u8", timeoutSeconds: 5)
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try published("audio") == 0)
        // The player leaves: after the idle time the pull stops.
        try await Task.sleep(for: .seconds(4))
        let stopped = try published("180p")
        try await Task.sleep(for: .seconds(2))
        #expect(try published("180p") == stopped, "still pulling 2 s after the idle time")
        #expect(relay.child.standardError.contains("no longer pulled"))
    }

    /// ``LabBox/originConfig(profile:source:scratch:)`` (the demo through `tiny`) on a loopback port.
    static func originConfig(port: Int, scratch: Scratch) -> String {
        "listen: \"127.0.0.1:\(port)\"\n" + LabBox.originConfig(scratch: scratch)
    }

    @Test("peer exchange: a box learns of its seed's peers")
    func peerExchange() async throws {
        let scratch = try Scratch("peers")
        defer { scratch.remove() }
        let (_, auth) = try await Self.keys(in: scratch)
        let ports = try (0..<3).map { _ in try FreePort.tcp() }
        // a knows b, b knows c: after one exchange a knows c too (and c learns of b's list).
        var boxes: [ServeProcess] = []
        defer { for box in boxes { box.kill() } }
        for (i, name) in ["a", "b", "c"].enumerated() {
            let seeds = i < 2 ? "[\"http://127.0.0.1:\(ports[i + 1])\"]" : "[]"
            boxes.append(try await ServeProcess(config: """
                node_id: \(name)
                listen: "127.0.0.1:\(ports[i])"
                streams: []
                mesh:
                  secret_file: \(scratch.path("mesh.secret"))
                  seed_peers: \(seeds)

                """, port: ports[i], label: name, in: scratch))
        }
        func known(_ port: Int) throws -> [String] {
            let target = "/mesh/v1/peers"
            let body = try TestHTTP.get(port, target, authorization: TestHTTP.credential(auth, target)).body
            return try JSONDecoder().decode(PeerListing.self, from: Data(body)).peers
        }
        let deadline = Date().addingTimeInterval(15)
        while try !known(ports[0]).contains("http://127.0.0.1:\(ports[2])") {
            guard Date() < deadline else { throw TestFailure("a never learnt of c: \(try known(ports[0]))\n\(boxes[0].child.standardError.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(250))
        }
        let metrics = String(decoding: try TestHTTP.get(ports[0], "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("mutstream_mesh_known_peers 2"), "\(metrics.split(separator: "\n").filter { $0.contains("known_peers") })")
    }

    struct PeerListing: Decodable {
        var node: String
        var peers: [String]
    }

    @Test("a relay configured against itself and a peer that lists it forms no pull loop")
    func noLoop() async throws {
        let scratch = try Scratch("loop")
        defer { scratch.remove() }
        let (publicKey, _) = try await Self.keys(in: scratch)
        let portA = try FreePort.tcp(), portB = try FreePort.tcp()
        let a = try await ServeProcess(
            config: Self.relayConfig(port: portA, upstreams: ["http://127.0.0.1:\(portB)"], publicKey: publicKey, scratch: scratch, nodeID: "a"),
            port: portA, label: "a", in: scratch)
        defer { a.kill() }
        let b = try await ServeProcess(
            config: Self.relayConfig(port: portB, upstreams: ["http://127.0.0.1:\(portA)"], publicKey: publicKey, scratch: scratch, nodeID: "b"),
            port: portB, label: "b", in: scratch)
        defer { b.kill() }
        try await Task.sleep(for: .seconds(3))
        // Neither offers a stream it would have to get from the other: no catalog entry, no pulls.
        for port in [portA, portB] {
            #expect(try TestHTTP.get(port, "/live/live/master.m3u8").status == 404)
            let metrics = String(decoding: try TestHTTP.get(port, "/metrics").body, as: UTF8.self)
            #expect(!metrics.contains("mutstream_mesh_chunks_pulled_total{"))
        }
    }
}
