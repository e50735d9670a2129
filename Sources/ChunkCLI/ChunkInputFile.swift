#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The input file, read in pieces into one reused buffer (works for pipes too).
///
/// Plain read() into a cache-sized buffer is also the fastest way through a file in the page
/// cache here (1 GiB of TS, 2 cores): mmap costs the same CPU in other places (MAP_POPULATE or
/// faults spend ~70 ms mapping 4 KiB pages, then the scan reads from DRAM instead of from a
/// buffer the kernel's copy left in L2; ~1.25x the wall time of read(), also with
/// MADV_SEQUENTIAL, MADV_HUGEPAGE or a thread populating ahead), and a reader thread filling a
/// ring of buffers for the other core doubled the scan's CPU time (the pieces arrive from the
/// other core's cache) for no steady gain in wall time.
final class ChunkInputFile {
    struct OpenError: Error { let message: String }
    /// Small enough that the piece read() just copied is still in L2 when the chunker scans
    /// and hashes it: with 1 MiB pieces a 1 GiB TS file took ~20% more CPU time (the
    /// kernel's copy and the scan both slower); 64–512 KiB measured the same.
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
