#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The input file, read in pieces into one reused buffer (works for pipes too), or, for a
/// regular file big enough to pay for a thread, by a reader thread into a ring of buffers
/// (`ReadAheadRing`) while this thread scans: the copy out of the page cache and the scan then
/// overlap on two cores.
///
/// Plain read() into a cache-sized buffer is also the fastest way through a file in the page
/// cache here (1 GiB of TS, 2 cores): mmap costs the same CPU in other places (MAP_POPULATE or
/// faults spend ~70 ms mapping 4 KiB pages, then the scan reads from DRAM instead of from a
/// buffer the kernel's copy left in cache; ~1.25x the wall time of read(), also with
/// MADV_SEQUENTIAL, MADV_HUGEPAGE or a thread populating ahead).
final class ChunkInputFile {
    struct OpenError: Error { let message: String }
    /// Small enough that the piece read() just copied is still in L2 when the chunker scans
    /// and hashes it: with 1 MiB pieces a 1 GiB TS file took ~20% more CPU time (the
    /// kernel's copy and the scan both slower); 64–512 KiB measured the same.
    static let pieceBytes = 256 << 10
    /// Slots in the read-ahead ring.
    static let ringSlots = 4
    private let fd: Int32
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: ChunkInputFile.pieceBytes, alignment: 64)
    private var headCount = 0
    #if canImport(Glibc)
    private let ring: ReadAheadRing?
    #endif

    /// Files from this size up are read by a thread (when there is a second CPU to run it):
    /// below it, starting the thread costs about what the overlap saves.
    static let threadedMinimumBytes = 8 << 20

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw OpenError(message: "cannot open: \(String(cString: strerror(errno)))") }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            throw OpenError(message: "is a directory")
        }
        self.fd = fd
        #if canImport(Glibc)
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        if regular && Int(st.st_size) >= Self.threadedMinimumBytes && sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 {
            ring = ReadAheadRing(fd: fd, slotBytes: Self.pieceBytes, slotCount: Self.ringSlots)
        } else {
            ring = nil
        }
        #endif
    }

    deinit { buffer.deallocate() }

    func close() { _ = Glibc.close(fd) }

    /// The first piece (kept for the first feed), for format detection.
    func readHead() throws -> [UInt8] {
        #if canImport(Glibc)
        if let ring {
            let first = try ring.readFirst()
            return [UInt8](UnsafeRawBufferPointer(rebasing: first.prefix(64 << 10)))
        }
        #endif
        headCount = try fill()
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: min(headCount, 64 << 10)))
    }

    func forEachPiece(_ body: (UnsafeRawBufferPointer) -> Void) throws {
        #if canImport(Glibc)
        if let ring { return try ring.forEachPiece(body) }
        #endif
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
