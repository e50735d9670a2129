import Foundation
import Mesh
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A fake upstream: a valid catalog and init section, index entries signed by the real
/// origin key but chunks with flipped bytes, and one entry forged under another key.
final class CorruptingUpstream: @unchecked Sendable {
    let port: Int
    let chunkRequests = Atomic<Int>(0)
    private let fd: Int32
    private let signer: IndexSigner
    private let forger: IndexSigner
    let initBytes = [UInt8](repeating: 7, count: 200)

    init(signer: IndexSigner) throws {
        self.signer = signer
        forger = try IndexSigner(originID: signer.originID, keyFileContents: Array(OriginKey.generate().privateKeyFileContents.utf8))
        port = try FreePort.tcp()
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else { throw TestFailure("fake upstream cannot listen") }
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    func close() { shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }

    static func chunk(_ index: Int) -> [UInt8] { (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) } }

    private func signed(_ signer: IndexSigner, _ id: ChunkID, _ bytes: [UInt8]) -> SignedIndexEntry {
        let digest = ChunkDigester.digest(bytes)
        let entry = try! ChunkIndexEntry(id: id, presentationTimeValue: Int64(id.partIndex) * 22_500, timescaleHz: 90_000,
                                         durationMicroseconds: 250_000, isIndependent: id.partIndex == 0,
                                         lengthBytes: digest.lengthBytes, sha256: digest.sha256)
        return try! signer.sign(entry)
    }

    private func line(_ entry: SignedIndexEntry) -> String { String(decoding: try! JSONEncoder().encode(entry), as: UTF8.self) + "\n" }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            var data = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !String(decoding: data, as: UTF8.self).contains("\r\n\r\n") {
                let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                data += buffer[..<n]
            }
            let target = String(decoding: data, as: UTF8.self).split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            let (status, body) = answer(target)
            let head = "HTTP/1.1 \(status) X\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            let out = Array(head.utf8) + body
            _ = out.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            Glibc.close(client)
        }
    }

    private func answer(_ target: String) -> (Int, [UInt8]) {
        let stream = "live", rendition = "180p"
        switch target {
        case "/mesh/v1/catalog":
            let catalog = MeshCatalog(nodeID: "evil", streams: [CatalogEntry(
                stream: stream, originID: signer.originID, path: [signer.originID, "evil"], segmentTargetSeconds: 1, partTargetSeconds: 0.25,
                renditions: [CatalogRendition(name: rendition, kind: .video, averageBitrateBitsPerSecond: 200_000,
                                              peakBitrateBitsPerSecond: 300_000, width: 320, height: 180, codecs: "vp09.00.10.08")])])
            return (200, Array(try! JSONEncoder().encode(catalog)))
        case "/mesh/v1/index/live/180p/init":
            let id = ChunkID(stream: stream, rendition: rendition, mediaSequence: .max, partIndex: .max)
            let digest = ChunkDigester.digest(initBytes)
            let entry = try! ChunkIndexEntry(id: id, presentationTimeValue: 0, timescaleHz: 90_000, durationMicroseconds: 0,
                                             isIndependent: true, lengthBytes: digest.lengthBytes, sha256: digest.sha256)
            return (200, Array(line(try! signer.sign(entry)).utf8))
        case "/mesh/v1/chunks/live/180p/init":
            return (200, initBytes)
        case "/mesh/v1/index/live/180p":
            // 0.0 and 0.2 honestly signed (their bytes will be corrupted), 0.1 forged.
            var text = ""
            for part in 0..<4 {
                let id = ChunkID(stream: stream, rendition: rendition, mediaSequence: 0, partIndex: UInt32(part))
                text += line(signed(part == 1 ? forger : signer, id, Self.chunk(part)))
            }
            return (200, Array(text.utf8))
        default:
            if target.hasPrefix("/mesh/v1/chunks/live/180p/") {
                chunkRequests.add(1, ordering: .relaxed)
                let part = Int(target.split(separator: ".").last ?? "0") ?? 0
                var bytes = Self.chunk(part)
                bytes[bytes.count / 2] ^= 0xFF
                return (200, bytes)
            }
            if target.hasPrefix("/mesh/v1/index/") {
                Thread.sleep(forTimeInterval: 0.3)
                return (200, [])
            }
            return (404, [])
        }
    }
}

@Suite("mesh: a malicious upstream", .serialized)
struct MaliciousUpstreamTests {
    @Test("corrupted chunks and a forged entry are rejected, never served, and the peer is demoted")
    func corruptedChunksRejected() async throws {
        let scratch = try Scratch("evil")
        defer { scratch.remove() }
        let (publicKey, auth) = try await RelayPullTests.keys(in: scratch)
        let signer = try IndexSigner(originID: "origin", keyFileContents: Array(try Data(contentsOf: URL(fileURLWithPath: scratch.path("origin.key")))))
        #expect(signer.publicKeyBase64 == publicKey)
        let evil = try CorruptingUpstream(signer: signer)
        defer { evil.close() }
        let relayPort = try FreePort.tcp()
        let relay = try await ServeProcess(
            config: RelayPullTests.relayConfig(port: relayPort, upstreams: ["http://127.0.0.1:\(evil.port)"], publicKey: publicKey,
                                               scratch: scratch, pullIdleSeconds: 0),
            port: relayPort, label: "relay", in: scratch)
        defer { relay.kill() }

        let deadline = Date().addingTimeInterval(15)
        var metrics = ""
        while !metrics.contains("mutstream_mesh_upstream_demotions_total{upstream=\"evil\"} 1") {
            guard Date() < deadline else { throw TestFailure("not demoted; metrics:\n\(metrics)\nlog:\n\(relay.child.standardError.suffix(3000))") }
            try await Task.sleep(for: .milliseconds(200))
            metrics = String(decoding: try TestHTTP.get(relayPort, "/metrics").body, as: UTF8.self)
        }
        // At least the threshold (requests already in flight when it was demoted may add to it).
        let failuresLine = metrics.split(separator: "\n").first { $0.hasPrefix("mutstream_mesh_verification_failures_total{upstream=\"evil\"} ") }
        let failures = failuresLine.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect(failures >= 3, "verification failures counted: \(failuresLine ?? "none")")
        #expect(evil.chunkRequests.load(ordering: .relaxed) >= 1)
        // Nothing of it is served: no part, no playlist, no index entry.
        for part in 0..<4 {
            #expect(try TestHTTP.get(relayPort, "/live/live/180p/part0.\(part).m4s", timeoutSeconds: 10).status != 200)
            let target = "/mesh/v1/chunks/live/180p/0.\(part)"
            #expect(try TestHTTP.get(relayPort, target, authorization: TestHTTP.credential(auth, target), timeoutSeconds: 10).status != 200)
        }
        #expect(try TestHTTP.get(relayPort, "/live/live/180p/index.m3u8", timeoutSeconds: 10).status != 200)
        #expect(relay.child.standardError.contains("demoted") || relay.child.standardOutput.contains("demoted"))
    }
}
