#if canImport(Glibc)
import Glibc

/// A regular file read into a small ring of reused buffers by a second thread while the
/// caller's thread scans the pieces in order.
///
/// Copying a file out of the page cache (read()) and scanning + hashing it each take one core
/// for most of the run, so doing them one after the other costs their sum; overlapped, the
/// wall time is about the larger of the two. The copy is the larger one, and it gets slower
/// when the other core reads the buffers it writes (their cache lines move between the cores),
/// so the scanning thread does not just wait for it: when the next piece is still being read
/// and there is a free slot, it reads a later piece itself (pread at its offset), whose bytes
/// it then scans from its own cache. The two threads share the copy that way and finish
/// together. (A reader that did all the copying while the scanner only waited measured 0.23 s
/// on 1 GiB of TS, no better than one thread: its copy slowed to ~0.21 s of system time and
/// the scan's CPU time doubled, both from cache lines moving between the cores; sharing the
/// copy gave 0.17 s. Pinning the threads to CPUs, 4–8 slots and 128–512 KiB slots measured
/// the same or worse.)
///
/// The buffers are allocated once, page-aligned, and a slot is reused as soon as `body`
/// returns for it: the chunkers copy what they keep across pieces (a partial TS packet, a box
/// header, the hasher's last stripe), so nothing refers to a piece after its feed. The reader
/// thread lives inside `forEachPiece` (joined before it returns), so the file descriptor is
/// never closed under it.
final class ReadAheadRing: @unchecked Sendable {
    let slotBytes: Int
    let slotCount: Int
    private let fd: Int32
    private let storage: UnsafeMutableRawPointer
    /// Per slot: the piece index it holds once read (-1 before), and its byte count or -errno.
    private let readIndex: UnsafeMutablePointer<Int>
    private let lengths: UnsafeMutablePointer<Int>
    // Guarded by `mutex`. Piece i goes in slot i % slotCount.
    /// The next piece index nobody has started to read.
    private var claimed = 0
    /// Pieces before this one are scanned: their slots are free.
    private var consumed = 0
    /// Set at the first short piece or error, or when the scanner stops: no more claims.
    private var stopped = false
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(fd: Int32, slotBytes: Int, slotCount: Int) {
        precondition(slotCount >= 2)
        self.fd = fd
        self.slotBytes = slotBytes
        self.slotCount = slotCount
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        storage = UnsafeMutableRawPointer.allocate(byteCount: slotBytes * slotCount, alignment: page)
        readIndex = UnsafeMutablePointer<Int>.allocate(capacity: slotCount)
        readIndex.initialize(repeating: -1, count: slotCount)
        lengths = UnsafeMutablePointer<Int>.allocate(capacity: slotCount)
        lengths.initialize(repeating: 0, count: slotCount)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
        lengths.deallocate()
        readIndex.deallocate()
        storage.deallocate()
    }

    private func slot(_ i: Int) -> UnsafeMutableRawPointer { storage + (i % slotCount) * slotBytes }

    /// Reads `count` bytes at `offset`, or up to the end of the file: the byte count, or -errno.
    /// pread, not read: the two threads read different pieces at once.
    private static func preadFull(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) -> Int {
        var total = 0
        while total < count {
            let n = pread(fd, buffer + total, count - total, off_t(offset + total))
            if n < 0 {
                if errno == EINTR { continue }
                return -Int(errno)
            }
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Reads piece `i` into its slot (called without the lock) and publishes it.
    private func read(piece i: Int) {
        let n = Self.preadFull(fd, into: slot(i), count: slotBytes, at: i * slotBytes)
        pthread_mutex_lock(mutex)
        lengths[i % slotCount] = n
        readIndex[i % slotCount] = i
        if n != slotBytes { stopped = true }
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }

    /// Reads the first piece on the caller's thread: format detection needs it before there is
    /// a chunker to feed. It stays in the ring as the first piece `forEachPiece` hands out.
    func readFirst() throws -> UnsafeRawBufferPointer {
        precondition(claimed == 0)
        claimed = 1
        read(piece: 0)
        let n = lengths[0]
        if n < 0 { throw ChunkCommandError("read failed: \(String(cString: strerror(Int32(-n))))") }
        return UnsafeRawBufferPointer(start: slot(0), count: n)
    }

    /// Hands every piece of the file, in order, to `body` on the caller's thread. A read error
    /// is thrown after the pieces before it.
    func forEachPiece(_ body: (UnsafeRawBufferPointer) -> Void) throws {
        if claimed == 0 { _ = try readFirst() }
        var thread = pthread_t()
        // A first piece shorter than a slot is the whole file: no thread needed.
        let threaded = !stopped
        if threaded {
            let context = Unmanaged.passRetained(self).toOpaque()
            let rc = pthread_create(&thread, nil, { context in
                let ring = Unmanaged<ReadAheadRing>.fromOpaque(context!).takeRetainedValue()
                ring.produce()
                return nil
            }, context)
            if rc != 0 {
                Unmanaged<ReadAheadRing>.fromOpaque(context).release()
                throw ChunkCommandError("cannot start the reader thread: \(String(cString: strerror(rc)))")
            }
        }
        defer {
            if threaded {
                pthread_mutex_lock(mutex)
                stopped = true
                pthread_cond_broadcast(changed)
                pthread_mutex_unlock(mutex)
                pthread_join(thread, nil)
            }
        }

        var next = 0
        while true {
            pthread_mutex_lock(mutex)
            while readIndex[next % slotCount] != next {
                if !stopped && claimed - consumed < slotCount {
                    // The next piece is not read yet: read the first unclaimed one (it may be
                    // this one) rather than wait.
                    let mine = claimed
                    claimed += 1
                    pthread_mutex_unlock(mutex)
                    read(piece: mine)
                    pthread_mutex_lock(mutex)
                } else {
                    pthread_cond_wait(changed, mutex)
                }
            }
            pthread_mutex_unlock(mutex)
            let n = lengths[next % slotCount]
            if n < 0 { throw ChunkCommandError("read failed: \(String(cString: strerror(Int32(-n))))") }
            if n > 0 { body(UnsafeRawBufferPointer(start: slot(next), count: n)) }
            if n < slotBytes { return }
            next += 1
            pthread_mutex_lock(mutex)
            consumed = next
            pthread_cond_broadcast(changed)
            pthread_mutex_unlock(mutex)
        }
    }

    /// The reader thread: claims and reads the next unread piece while a slot is free.
    private func produce() {
        while true {
            pthread_mutex_lock(mutex)
            while !stopped && claimed - consumed >= slotCount { pthread_cond_wait(changed, mutex) }
            if stopped {
                pthread_mutex_unlock(mutex)
                return
            }
            let mine = claimed
            claimed += 1
            pthread_mutex_unlock(mutex)
            read(piece: mine)
        }
    }
}
#endif
