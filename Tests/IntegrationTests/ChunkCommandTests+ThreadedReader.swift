import Foundation
import Testing

/// `mutstream chunk` on regular files big enough for its reader thread (8 MiB and up), against
/// the same bytes through a FIFO, which is always read on one thread: the tables, the exit
/// status and the error must be the same whatever the file's size is in pieces (256 KiB).
/// Part of the ChunkCommandTests suite, so that filtering on it runs these too.
extension ChunkCommandTests {
    static let pieceBytes = 256 << 10

    @Test("threaded reader = single-threaded: ~24 MiB TS files, whole packets, whole pieces, a piece and a half more")
    func threadedMatchesSingleThreaded() async throws {
        let workspace = try Workspace("chunk-readahead")
        defer { workspace.remove() }
        let clip = workspace.file("clip.ts")
        try await SourceMedia(width: 640, height: 480, seconds: 4).write(to: clip, format: "mpegts", in: workspace)
        let one = try Data(contentsOf: clip)
        // The clip repeated: timestamps restart at each copy, which the chunker takes as it
        // comes; what matters here is many pieces with chunks straddling their edges.
        var repeated = Data()
        while repeated.count < 24 << 20 { repeated.append(one) }

        let exact = 24 << 20  // a whole number of pieces: the reader's last read returns 0
        let cases: [(name: String, bytes: Data)] = [
            ("whole.ts", repeated),  // whole packets, not a multiple of 256 KiB
            ("pieces.ts", repeated.prefix(exact)),  // ends inside a packet: truncated, exit 1
            ("odd.ts", repeated.prefix(exact + Self.pieceBytes / 2 + 188 * 3)),
        ]
        #expect(repeated.count % Self.pieceBytes != 0, "the whole file happens to be whole pieces")
        for (name, bytes) in cases {
            let file = workspace.file(name)
            try bytes.write(to: file)
            let threaded = try await CompletedRun.run(try Paths.mutstream(), ["chunk", file.path], label: "file-\(name)", in: workspace)
            let single = try await Self.throughFIFO(file, in: workspace)
            #expect(threaded.termination == single.termination, "\(name): \(threaded.termination) vs \(single.termination)")
            #expect(threaded.standardOutput == single.standardOutput, "\(name): the tables differ")
            #expect(threaded.standardError.replacingOccurrences(of: file.path, with: "INPUT")
                    == single.standardError.replacingOccurrences(of: file.path + ".fifo", with: "INPUT"),
                    "\(name): \(threaded.standardError) vs \(single.standardError)")
            let rows = ChunkCommandTests.rows(threaded.standardOutput)
            #expect(rows.count > 40, "\(name): \(rows.count) chunks")
            #expect(rows.last.map { $0.offset + $0.length } == bytes.count, "\(name): chunks do not end at the file's end")
        }
        let whole = try await CompletedRun.run(try Paths.mutstream(), ["chunk", workspace.file("whole.ts").path], label: "whole", in: workspace)
        #expect(whole.termination == .success, "\(whole.standardError)")
    }

    /// `mutstream chunk` on the file's bytes written into a FIFO by cat.
    static func throughFIFO(_ file: URL, in workspace: Workspace) async throws -> CompletedRun {
        let fifo = file.path + ".fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "cat \"$0\" > \"$1\"", file.path, fifo],
                                      label: "cat-fifo-\(file.lastPathComponent)", logDirectory: workspace.url)
        defer { writer.killIfRunning() }
        return try await CompletedRun.run(try Paths.mutstream(), ["chunk", fifo], label: "fifo-\(file.lastPathComponent)", in: workspace)
    }
}
