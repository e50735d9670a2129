import ArgumentParser
import Chunker

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mutstream chunk`: the chunker on a file, for operators inspecting recordings and for
/// benchmarks.
struct ChunkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
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

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case auto, cmaf, ts, annexb, h264, hevc
    }

    @Option(name: .long, help: "Input format: auto (from the first bytes), cmaf, ts, annexb (codec detected), h264 or hevc.")
    var format: Format = .auto

    @Flag(name: .long, help: "Print chunk and keyframe counts, sizes and throughput instead of the table.")
    var summary = false

    @Argument(help: "The media file to chunk.", completion: .file())
    var file: String

    func run() throws {
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

/// Counts for `--summary`.
struct ChunkStats {
    var chunkCount = 0
    var keyframeCount = 0
    var totalBytes: UInt64 = 0
    var minBytes = UInt64.max
    var maxBytes: UInt64 = 0
    var kinds: [ChunkKind: Int] = [:]

    mutating func add(_ c: Chunk) {
        chunkCount += 1
        if c.isKeyframe { keyframeCount += 1 }
        totalBytes += c.lengthBytes
        minBytes = min(minBytes, c.lengthBytes)
        maxBytes = max(maxBytes, c.lengthBytes)
        kinds[c.kind, default: 0] += 1
    }

    func summary(format: ChunkFormat, elapsedSeconds: Double) -> String {
        let mib = Double(totalBytes) / 1_048_576
        let rate = elapsedSeconds > 0 ? Double(totalBytes) / elapsedSeconds / 1e9 : 0
        let kindList = kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key) \($0.value)" }
            .joined(separator: ", ")
        let average = chunkCount > 0 ? totalBytes / UInt64(chunkCount) : 0
        return """
            format      \(format.rawValue)
            bytes       \(totalBytes) (\(formatSeconds(mib)) MiB)
            chunks      \(chunkCount) (\(kindList.isEmpty ? "none" : kindList))
            keyframes   \(keyframeCount)
            chunk bytes min \(chunkCount > 0 ? minBytes : 0), mean \(average), max \(maxBytes)
            elapsed     \(formatSeconds(elapsedSeconds)) s
            throughput  \(formatSeconds(rate)) GB/s (scan + XXH3-64)

            """
    }
}

/// The input file, read in pieces into one reused buffer (works for pipes too).
final class ChunkInputFile {
    struct OpenError: Error { let message: String }
    /// Small enough that the piece read() just copied is still in L2 when the chunker scans
    /// and hashes it: with 1 MiB pieces a 1 GiB TS file took ~20% more CPU time (the
    /// kernel's copy and the scan both slower); 128–512 KiB measured the same.
    static let pieceBytes = 256 << 10
    private let fd: Int32
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: ChunkInputFile.pieceBytes, alignment: 64)
    private var headCount = 0

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw OpenError(message: "cannot open: \(String(cString: strerror(errno)))") }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            throw OpenError(message: "is a directory")
        }
        self.fd = fd
    }

    deinit { buffer.deallocate() }

    func close() { _ = Glibc.close(fd) }

    /// The first piece (kept for the first feed), for format detection.
    func readHead() throws -> [UInt8] {
        headCount = try fill()
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: min(headCount, 64 << 10)))
    }

    func forEachPiece(_ body: (UnsafeRawBufferPointer) -> Void) throws {
        if headCount > 0 { body(UnsafeRawBufferPointer(start: buffer, count: headCount)) }
        headCount = 0
        while true {
            let n = try fill()
            if n == 0 { return }
            body(UnsafeRawBufferPointer(start: buffer, count: n))
        }
    }

    private func fill() throws -> Int {
        var total = 0
        while total < Self.pieceBytes {
            let n = read(fd, buffer + total, Self.pieceBytes - total)
            if n < 0 {
                if errno == EINTR { continue }
                throw ChunkCommandError("read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            total += n
        }
        return total
    }
}

/// Buffered stdout (one write per 64 KiB, not per line).
struct OutputBuffer {
    private var bytes: [UInt8] = []

    mutating func write(_ s: String) {
        bytes.append(contentsOf: s.utf8)
        if bytes.count >= 64 << 10 { flush() }
    }

    mutating func flush() {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}

private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

private func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

private func padRight(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

private func hex16(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

/// Three decimals, without Foundation's formatters.
private func formatSeconds(_ x: Double) -> String {
    let negative = x < 0
    let milli = Int64((abs(x) * 1000).rounded())
    let frac = String(milli % 1000)
    return (negative ? "-" : "") + "\(milli / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
}
