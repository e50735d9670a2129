import Foundation

/// A live input mutstream listens on and the matching ffmpeg push, on a free local port.
struct LiveInput: CustomStringConvertible, Sendable {
    enum Kind: String, CaseIterable, Sendable { case srt, rtmp, udp }

    let kind: Kind
    let port: Int

    init(_ kind: Kind) throws {
        self.kind = kind
        port = try Ports.free(Self.transport(kind))
    }

    var description: String { "\(kind.rawValue) on port \(port)" }
    var transport: Ports.Transport { Self.transport(kind) }

    private static func transport(_ kind: Kind) -> Ports.Transport { kind == .rtmp ? .tcp : .udp }

    /// What `mutstream transcode --input` gets.
    var listenURL: String {
        switch kind {
        case .srt: "srt://127.0.0.1:\(port)?mode=listener"
        case .rtmp: "rtmp://127.0.0.1:\(port)/live/test?listen=1"
        case .udp: "udp://127.0.0.1:\(port)"
        }
    }

    /// Where and how ffmpeg pushes.
    var push: (url: String, format: String) {
        switch kind {
        case .srt: ("srt://127.0.0.1:\(port)", "mpegts")
        case .rtmp: ("rtmp://127.0.0.1:\(port)/live/test", "flv")
        case .udp: ("udp://127.0.0.1:\(port)?pkt_size=1316", "mpegts")
        }
    }

    /// Starts ffmpeg pushing `media` in real time.
    func startPush(_ media: SourceMedia, in workspace: Workspace) throws -> ChildProcess {
        try media.push(to: push.url, format: push.format, in: workspace)
    }
}
