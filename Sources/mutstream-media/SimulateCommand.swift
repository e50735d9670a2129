import Adaptation
import ArgumentParser
import Foundation

/// `mutstream simulate`: the rendition selectors against recorded network traces, in the
/// standard trace-driven model of the ABR literature.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the rendition selectors against recorded network traces and print their QoE.",
        discussion: """
            Streams a 48-chunk video (4 s chunks at 300, 750, 1200, 1850, 2850 and 4300 kbit/s) \
            over every trace in each --traces directory, in the standard model of the ABR \
            literature: each chunk costs an 80 ms round trip plus its bytes at the trace's \
            throughput (0.95 of it payload), the trace loops, the buffer is capped at 60 s, and \
            the first chunk is fetched at 750 kbit/s.

            A trace file has one sample per line, `<seconds> <Mbit/s>` (tab or space, LF or CRLF). \
            Chunk sizes come from `video_size_0` … `video_size_5` (bytes of chunk k on line k) in \
            --video-sizes, by default a `video_sizes` directory inside the traces directory or \
            beside it.

            Per algorithm it prints QoE_lin per chunk (bitrate in Mbit/s − 4.3 × stall seconds − \
            |bitrate change| in Mbit/s; first chunk excluded; averaged per trace, then over \
            traces), the mean bitrate, the rebuffer ratio (stall time over stall plus play \
            time) and rendition switches per chunk. Output is deterministic.
            """
    )

    @Option(name: .customLong("traces"), help: ArgumentHelp(
        "Directory of trace files; every regular file in it is one trace. Repeat for several sets.",
        valueName: "dir"))
    var traceDirectories: [String]

    @Option(name: .customLong("video-sizes"), help: ArgumentHelp(
        "Directory holding video_size_0 … video_size_5.", valueName: "dir"))
    var videoSizes: String?

    @Option(help: ArgumentHelp(
        "Which selector to run: \(SelectorKind.allCases.map(\.rawValue).joined(separator: ", ")) or all.",
        valueName: "name"))
    var algorithm: String = "all"

    @Flag(name: .customLong("per-trace"), help: "Also print each trace's QoE per algorithm.")
    var perTrace = false

    func validate() throws {
        guard !traceDirectories.isEmpty else { throw ValidationError("Missing --traces <dir>.") }
        _ = try kinds()
    }

    func run() throws {
        let kinds = try kinds()
        for (n, directory) in traceDirectories.enumerated() {
            let traces = try loadTraces(directory)
            let video = try loadVideo(videoSizes ?? defaultVideoSizes(for: directory))
            if n > 0 { print() }
            print("traces: \(directory) (\(traces.count) traces); video: \(video.chunkCount) chunks × "
                  + "\(format(video.chunkSizes.chunkDurationSeconds, 0)) s")
            var rows: [QoESummary] = []
            var perTraceRows: [[TraceResult]] = []
            let simulator = TraceSimulator()
            for kind in kinds {
                let results = simulator.run(kind, traces: traces, video: video)
                rows.append(QoESummary(algorithm: kind.rawValue, results: results))
                perTraceRows.append(results)
            }
            print(table(rows))
            if perTrace {
                print()
                print(perTraceTable(names: traces.map(\.name), kinds: kinds, results: perTraceRows))
            }
        }
    }

    private func kinds() throws -> [SelectorKind] {
        if algorithm == "all" { return SelectorKind.allCases }
        guard let kind = SelectorKind(rawValue: algorithm.lowercased()) else {
            throw ValidationError("Unknown algorithm '\(algorithm)'; expected one of "
                + SelectorKind.allCases.map(\.rawValue).joined(separator: ", ") + " or all.")
        }
        return [kind]
    }

    private func loadTraces(_ directory: String) throws -> [NetworkTrace] {
        let names = try listFiles(directory, what: "trace directory")
        guard !names.isEmpty else { throw SimulateError("\(directory): no trace files in the directory") }
        return try names.map { name in
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                return try NetworkTrace.parse(name: name, text: try readText(path))
            } catch let error as TraceError {
                // The error names the file; give the full path so it can be opened.
                throw SimulateError(String(describing: error).replacingOccurrences(of: name, with: path))
            }
        }
    }

    private func loadVideo(_ directory: String) throws -> SimulatedVideo {
        var texts: [String] = []
        var paths: [String] = []
        for q in 0..<BitrateLadder.standard.count {
            let path = (directory as NSString).appendingPathComponent("video_size_\(q)")
            texts.append(try readText(path))
            paths.append(path)
        }
        do {
            return try SimulatedVideo.standard(sizeTableTexts: texts, names: paths)
        } catch {
            throw SimulateError(String(describing: error))
        }
    }

    /// `video_sizes` inside the traces directory, or beside it.
    private func defaultVideoSizes(for traces: String) throws -> String {
        let inside = (traces as NSString).appendingPathComponent("video_sizes")
        let parent = ((traces as NSString).standardizingPath as NSString).deletingLastPathComponent
        let beside = (parent as NSString).appendingPathComponent("video_sizes")
        for candidate in [inside, beside] where isDirectory(candidate) { return candidate }
        throw SimulateError("no video_sizes directory in or beside \(traces); pass --video-sizes <dir>")
    }

    private func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    private func listFiles(_ directory: String, what: String) throws -> [String] {
        guard isDirectory(directory) else { throw SimulateError("\(directory): no such \(what)") }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.filter { name in
            !name.hasPrefix(".") && !isDirectory((directory as NSString).appendingPathComponent(name))
        }.sorted()
    }

    private func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SimulateError("\(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SimulateError("\(path): not UTF-8 text")
        }
        return text
    }

    private func table(_ rows: [QoESummary]) -> String {
        var lines = [pad("algorithm", 12) + lpad("QoE_lin/chunk", 15) + lpad("bitrate kbps", 14)
                     + lpad("rebuffer %", 12) + lpad("switches/chunk", 16)]
        for r in rows {
            lines.append(pad(r.algorithm, 12) + lpad(format(r.meanQoE, 4), 15)
                         + lpad(format(r.meanBitrateKbps, 0), 14) + lpad(format(r.rebufferRatio * 100, 3), 12)
                         + lpad(format(r.switchesPerChunk, 3), 16))
        }
        return lines.joined(separator: "\n")
    }

    private func perTraceTable(names: [String], kinds: [SelectorKind], results: [[TraceResult]]) -> String {
        let width = max(5, names.map(\.count).max() ?? 0) + 2
        var lines = [pad("trace", width) + kinds.map { lpad($0.rawValue, 12) }.joined()]
        for (i, name) in names.enumerated() {
            lines.append(pad(name, width) + results.map { lpad(format($0[i].meanQoE, 4), 12) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    private func format(_ x: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", x) }
    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
    private func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
}

/// A failure of `simulate` with a message naming the file (and line) at fault.
struct SimulateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
