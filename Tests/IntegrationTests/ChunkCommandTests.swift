import Foundation
import Testing

/// `mutstream chunk` as users run it: on a TS clip made by the ffmpeg CLI, read from the file
/// and from a pipe, with every chunk's checksum judged by `xxhsum -H3` on the chunk's bytes.
@Suite("mutstream chunk: the chunker on files and pipes", .serialized)
struct ChunkCommandTests {
    struct Row: Equatable {
        var offset: Int
        var length: Int
        var checksum: String
    }

    /// The table's chunk lines (index, offset, length, kind, key, seconds, pts, xxh3).
    static func rows(_ table: String) -> [Row] {
        table.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 4, let offset = Int(fields[1]), let length = Int(fields[2]) else { return nil }
            return Row(offset: offset, length: length, checksum: String(fields[fields.count - 1]))
        }
    }

    @Test("a TS file: chunks tile it, each checksum is xxhsum -H3 of its bytes, a pipe gives the same table")
    func fileAndPipe() async throws {
        let workspace = try Workspace("chunk-cli")
        defer { workspace.remove() }
        let clip = workspace.file("clip.ts")
        // Big enough for several read pieces (256 KiB and up), keyframes every 0.5 s.
        try await SourceMedia(width: 640, height: 480, seconds: 4).write(to: clip, format: "mpegts", in: workspace)
        let bytes = try Data(contentsOf: clip)
        #expect(bytes.count > 1 << 20, "clip is only \(bytes.count) bytes")

        let fromFile = try await CompletedRun.run(try Paths.mutstream(), ["chunk", clip.path], label: "chunk-file", in: workspace)
        #expect(fromFile.termination == .success, "chunk FILE: \(fromFile.termination)\n\(fromFile.standardError)")
        let rows = Self.rows(fromFile.standardOutput)
        #expect(rows.count >= 4, "expected a chunk per keyframe, got:\n\(fromFile.standardOutput)")
        var next = 0
        for row in rows {
            #expect(row.offset == next, "chunk at \(row.offset), expected \(next)")
            next = row.offset + row.length
        }
        #expect(next == bytes.count, "chunks end at \(next), the file has \(bytes.count) bytes")

        var pieces: [String] = []
        for (i, row) in rows.enumerated() {
            let piece = workspace.file("chunk-\(i)")
            try bytes.subdata(in: row.offset..<(row.offset + row.length)).write(to: piece)
            pieces.append(piece.path)
        }
        let reference = try await CompletedRun.run(try Paths.tool("xxhsum"), ["-H3"] + pieces, label: "xxhsum", in: workspace)
        let expected = reference.standardOutput.split(separator: "\n").compactMap { line in
            line.split(separator: " ").last.map(String.init)
        }
        #expect(rows.map(\.checksum) == expected, "mutstream chunk vs xxhsum -H3:\n\(fromFile.standardOutput)\n\(reference.standardOutput)")

        // The same bytes through a FIFO: not a regular file, read as a stream.
        let fifo = workspace.file("clip.fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let writer = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "cat \"$0\" > \"$1\"", clip.path, fifo.path],
                                      label: "cat-fifo", logDirectory: workspace.url)
        defer { writer.killIfRunning() }
        let fromPipe = try await CompletedRun.run(try Paths.mutstream(), ["chunk", fifo.path], label: "chunk-fifo", in: workspace)
        #expect(fromPipe.termination == .success, "chunk FIFO: \(fromPipe.termination)\n\(fromPipe.standardError)")
        #expect(fromPipe.standardOutput == fromFile.standardOutput)

        let summary = try await CompletedRun.run(try Paths.mutstream(), ["chunk", "--summary", clip.path], label: "chunk-summary", in: workspace)
        #expect(summary.standardOutput.contains("bytes       \(bytes.count) "), "summary:\n\(summary.standardOutput)")
        #expect(summary.standardOutput.contains("chunks      \(rows.count) "), "summary:\n\(summary.standardOutput)")
    }

    @Test("a missing file, a directory and a truncated file are errors naming the file, exit 1")
    func errors() async throws {
        let workspace = try Workspace("chunk-cli-errors")
        defer { workspace.remove() }
        let missing = try await CompletedRun.run(try Paths.mutstream(), ["chunk", workspace.file("nope.ts").path], label: "missing", in: workspace)
        #expect(missing.termination.status == 1 && missing.standardError.contains("nope.ts: cannot open"), "\(missing.standardError)")
        let directory = try await CompletedRun.run(try Paths.mutstream(), ["chunk", workspace.url.path], label: "dir", in: workspace)
        #expect(directory.termination.status == 1 && directory.standardError.contains("is a directory"), "\(directory.standardError)")
        let clip = workspace.file("clip.ts")
        try await SourceMedia(seconds: 1).write(to: clip, format: "mpegts", in: workspace)
        let cut = workspace.file("cut.ts")
        let bytes = try Data(contentsOf: clip)
        try bytes.prefix(bytes.count - 100).write(to: cut)
        let truncated = try await CompletedRun.run(try Paths.mutstream(), ["chunk", cut.path], label: "cut", in: workspace)
        #expect(truncated.termination.status == 1 && truncated.standardError.contains("truncated"), "\(truncated.standardError)")
    }
}
