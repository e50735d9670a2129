import ArgumentParser
import Chunker

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mutstream chunk`: the chunker on a file, for operators inspecting recordings and for
/// benchmarks.
public struct ChunkCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chunk",
        abstract: "Cut a media file into chunks and print them (or a summary with throughput).",
        discussion: """
            Runs the same chunker the pipeline and the relay use. A chunk is:
              cmaf   one moof+mdat fragment (the ftyp+moov init segment is a chunk of its own)
              ts     MPEG-TS packets from one random-access point (with the PAT/PMT before it)
                     to the next
              annexb one or more H.264/HEVC access units from an IDR/IRAP picture to the next

            The table has one line per chunk: index, byte offset, length, kind, K for a
            keyframe, presentation time (seconds, and ticks/timescale) where the container has
            one, and the XXH3-64 checksum, which equals `xxhsum -H3` of the chunk's bytes.
            --summary prints counts and the throughput instead.

            Exit status: 0 when the file chunked cleanly; 1 when it cannot be read or its
            format not recognised, or when it ends inside a box or packet (truncated) or its
            structure breaks (the chunks up to that point are still printed).

            Examples:
              mutstream chunk recording.ts
              mutstream chunk --format annexb --summary camera.h264
            """
    )

    /// The `--format` values.
    public enum Format: String, ExpressibleByArgument, CaseIterable {
        case auto, cmaf, ts, annexb, h264, hevc
    }

    public init() {}

    @Option(name: .long, help: "Input format: auto (from the first bytes), cmaf, ts, annexb (codec detected), h264 or hevc.")
    var format: Format = .auto

    @Flag(name: .long, help: "Print chunk and keyframe counts, sizes and throughput instead of the table.")
    var summary = false

    @Argument(help: "The media file to chunk.", completion: .file())
    var file: String

    public func run() throws {
        let input: ChunkInputFile
        do {
            input = try ChunkInputFile(path: file)
        } catch let error as ChunkInputFile.OpenError {
            throw ChunkCommandError("\(file): \(error.message)")
        }
        defer { input.close() }

        let head: [UInt8]
        do {
            head = try input.readHead()
        } catch {
            throw ChunkCommandError("\(file): \(error)")
        }
        let chosen: ChunkFormat
        switch format {
        case .cmaf: chosen = .cmaf
        case .ts: chosen = .ts
        case .h264: chosen = .annexBH264
        case .hevc: chosen = .annexBHEVC
        case .annexb:
            let detected = head.withUnsafeBytes { ChunkFormat.detect($0) }
            chosen = detected == .annexBHEVC ? .annexBHEVC : .annexBH264
        case .auto:
            guard let detected = head.withUnsafeBytes({ ChunkFormat.detect($0) }) else {
                throw ChunkCommandError(
                    "\(file): format not recognised (not CMAF/fMP4, MPEG-TS or Annex-B); use --format to force one")
            }
            chosen = detected
        }

        var chunker = AnyChunker(format: chosen)
        var stats = ChunkStats()
        var out = OutputBuffer()
        if !summary {
            out.write("#      offset      length kind  key  pts_seconds  pts                   xxh3\n")
        }
        let started = monotonicSeconds()
        let emit: (Chunk) -> Void = { [summary] chunk in
            stats.add(chunk)
            if !summary { out.write(Self.tableLine(index: stats.chunkCount - 1, chunk)) }
        }
        do {
            try input.forEachPiece { piece in chunker.feed(piece, emit: emit) }
        } catch {
            out.flush()
            throw ChunkCommandError("\(file): \(error)")
        }
        let end = chunker.finish(emit: emit)
        let elapsed = monotonicSeconds() - started
        if summary {
            out.write(stats.summary(format: chosen, elapsedSeconds: elapsed))
        }
        out.flush()
        switch end {
        case .complete:
            break
        case .truncated(let unit, let offset, let missing):
            let detail = missing > 0 ? ", \(missing) bytes missing" : ""
            throw ChunkCommandError("\(file): truncated: the \(unit) at byte offset \(offset) is cut short\(detail)")
        case .malformed(let reason, let offset):
            throw ChunkCommandError("\(file): malformed at byte offset \(offset): \(reason)")
        }
    }

    static func tableLine(index: Int, _ c: Chunk) -> String {
        var line = pad(String(index), 6) + " " + pad(String(c.offsetBytes), 11) + " " + pad(String(c.lengthBytes), 11)
        line += " " + padRight(c.kind.description, 5) + " " + (c.isKeyframe ? " K  " : " -  ")
        if let t = c.presentationTime {
            line += pad(formatSeconds(t.seconds), 12) + "  " + padRight("\(t.value)/\(t.timescaleHz)", 20)
        } else {
            line += pad("-", 12) + "  " + padRight("-", 20)
        }
        line += " " + hex16(c.checksum) + "\n"
        return line
    }
}

/// A failure reported as `mutstream chunk: MESSAGE`, exit status 1.
struct ChunkCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
