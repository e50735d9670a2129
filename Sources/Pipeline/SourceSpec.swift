/// How to open a source: the libavformat URL, a forced demuxer, options, and whether it is
/// live (reconnect on loss) or a file (end at end of file).
public struct SourceSpec: Sendable, Equatable {
    public var url: String
    public var format: String?
    public var options: [String: String]
    /// A live source is reopened with backoff when it stalls or disconnects.
    public var isLive: Bool
    /// Read no faster than real time (synthetic sources in `serve`).
    public var paceToRealtime: Bool

    public init(url: String, format: String? = nil, options: [String: String] = [:], isLive: Bool, paceToRealtime: Bool = false) {
        self.url = url
        self.format = format
        self.options = options
        self.isLive = isLive
        self.paceToRealtime = paceToRealtime
    }

    /// The built-in test source: libavfilter's test pattern and a tone.
    public static func demo(width: Int = 1280, height: Int = 720, framesPerSecond: Int = 30, realtime: Bool = false) -> SourceSpec {
        SourceSpec(
            url: "testsrc2=size=\(width)x\(height):rate=\(framesPerSecond)[out0];sine=frequency=440:beep_factor=4:sample_rate=48000[out1]",
            format: "lavfi", isLive: realtime, paceToRealtime: realtime)
    }

    /// Interprets what a user typed as `--input` or a stream's `source:`.
    ///
    /// - `demo` or `demo:WxH[@FPS]`: the built-in test pattern and tone;
    /// - `lavfi:GRAPH`: any libavfilter source graph;
    /// - `srt://…`, `udp://…`, `rtp://…`, `tcp://…`: live network sources;
    /// - `rtmp://HOST:PORT/app/key`: live; with host 0.0.0.0 (or `?listen=1` appended) it
    ///   listens for a push, otherwise it pulls;
    /// - anything else: a file or URL read once to its end.
    public static func parse(_ input: String, realtime: Bool = false) throws(SourceSpecError) -> SourceSpec {
        if input == "demo" { return .demo(realtime: realtime) }
        if input.hasPrefix("demo:") {
            let spec = input.dropFirst(5)
            let parts = spec.split(separator: "@")
            let size = parts[0].split(separator: "x").compactMap { Int($0) }
            let rate = parts.count > 1 ? Int(parts[1]) : 30
            guard size.count == 2, size[0] > 0, size[1] > 0, let rate, rate > 0 else {
                throw SourceSpecError(input: input, reason: "expected demo:WIDTHxHEIGHT[@FPS], e.g. demo:1920x1080@30")
            }
            return .demo(width: size[0], height: size[1], framesPerSecond: rate, realtime: realtime)
        }
        if input.hasPrefix("lavfi:") {
            return SourceSpec(url: String(input.dropFirst(6)), format: "lavfi", isLive: realtime, paceToRealtime: realtime)
        }
        guard let scheme = input.split(separator: ":", maxSplits: 1).first.map(String.init), input.contains("://") else {
            guard !input.isEmpty else { throw SourceSpecError(input: input, reason: "empty input") }
            return SourceSpec(url: input, isLive: false, paceToRealtime: realtime)
        }
        switch scheme.lowercased() {
        case "rtmp":
            var url = input
            var listen = input.contains("://0.0.0.0") || input.contains("://[::]")
            if url.hasSuffix("?listen=1") { url.removeLast("?listen=1".count); listen = true }
            return SourceSpec(url: url, options: listen ? ["listen": "1", "timeout": "-1"] : [:], isLive: true)
        case "udp":
            // A larger socket FIFO and non-fatal overruns: a burst must not end the stream.
            return SourceSpec(url: input, format: "mpegts",
                              options: ["fifo_size": "1000000", "overrun_nonfatal": "1", "buffer_size": "4194304"], isLive: true)
        case "srt", "rtp", "tcp", "rtsp":
            return SourceSpec(url: input, isLive: true)
        case "file":
            return SourceSpec(url: String(input.dropFirst("file://".count)), isLive: false, paceToRealtime: realtime)
        default:
            return SourceSpec(url: input, isLive: false, paceToRealtime: realtime)
        }
    }
}

/// An input description that cannot be a source.
public struct SourceSpecError: Error, CustomStringConvertible, Sendable {
    public let input: String
    public let reason: String
    public var description: String { "input '\(input)': \(reason)" }
}
