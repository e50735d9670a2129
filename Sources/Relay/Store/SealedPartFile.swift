import Glibc
import NIOCore

/// A part's HTTP response in a sealed memfd: the head of a `200` answer to an HTTP/1.1
/// keep-alive `GET`, then the payload. Serving from it is `sendfile(2)`: the kernel sends
/// the pages without copying them into the socket, where writing the payload's
/// `ByteBuffer` copied every 64 KiB part per request (a third of the server's CPU under
/// load). The common answer is one `sendfile` of the whole file; any other answer to the
/// part (HTTP/1.0, `connection: close`, a segment of several parts) writes its own head
/// and sends the payload from ``headBytes``.
///
/// Sealed (no write, grow or shrink) once filled, so what a socket is sending cannot
/// change under it. Closed when the last part, response or pending write holding it goes.
final class SealedPartFile: Sendable {
    let descriptor: CInt
    /// Length of the response head in front of the payload.
    let headBytes: Int
    /// Head plus payload.
    let totalBytes: Int

    /// Copies `head` and `payload` into a new memfd; nil if the kernel refuses one (the part
    /// is then served from its buffer).
    init?(head: ByteBuffer, payload: ByteBuffer) {
        guard let create = Self.memfdCreate else { return nil }
        let descriptor = create("mutstream-part", Self.closeOnExec | Self.allowSealing)
        guard descriptor >= 0 else { return nil }
        var written = true
        for buffer in [head, payload] where written {
            written = buffer.withUnsafeReadableBytes { Self.writeAll(descriptor, $0) }
        }
        guard written, fcntl(descriptor, Self.addSeals, Self.sealSeal | Self.sealShrink | Self.sealGrow | Self.sealWrite) == 0 else {
            Glibc.close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.headBytes = head.readableBytes
        self.totalBytes = head.readableBytes + payload.readableBytes
    }

    deinit {
        Glibc.close(self.descriptor)
    }

    /// A region of the file from `offset` to its end, with a handle of its own: NIO marks a
    /// handle busy while it sends from it, so connections on other loops cannot share one.
    /// Give the handle back with ``release(_:)`` once the write has completed (keeping this
    /// file alive until then); it does not own the descriptor.
    func region(from offset: Int) -> FileRegion {
        FileRegion(
            fileHandle: NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: self.descriptor), readerIndex: offset,
            endIndex: self.totalBytes
        )
    }

    /// Detaches a region's handle from the descriptor without closing it.
    static func release(_ region: FileRegion) {
        _ = try? region.fileHandle.takeDescriptorOwnership()
    }

    private static func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }

    // Glibc's Swift module does not export memfd_create(2) or the sealing constants; the
    // values are the Linux ABI (include/uapi/linux/memfd.h, fcntl.h).
    private typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, CUnsignedInt) -> CInt
    private static let memfdCreate: MemfdCreate? = dlsym(nil, "memfd_create").map { unsafeBitCast($0, to: MemfdCreate.self) }
    private static let closeOnExec: CUnsignedInt = 0x1
    private static let allowSealing: CUnsignedInt = 0x2
    private static let addSeals: CInt = 1024 + 9
    private static let sealSeal: CInt = 0x1
    private static let sealShrink: CInt = 0x2
    private static let sealGrow: CInt = 0x4
    private static let sealWrite: CInt = 0x8
}

/// The sealed files a response is being sent from: each keeps its file alive, and its
/// region's handle is given back, when the response's last write completes. Stores the
/// first inline, because a part response has one and allocating for it cost per request.
struct SentFiles {
    private var first: (FileRegion, SealedPartFile)?
    private var more: [(FileRegion, SealedPartFile)] = []

    var isEmpty: Bool { self.first == nil }

    /// A region of `file` from `offset`, held until ``release()``.
    mutating func region(of file: SealedPartFile, from offset: Int) -> FileRegion {
        let region = file.region(from: offset)
        if self.first == nil {
            self.first = (region, file)
        } else {
            self.more.append((region, file))
        }
        return region
    }

    /// After the last write completed (or failed): gives the handles back.
    func release() {
        if let (region, _) = self.first { SealedPartFile.release(region) }
        for (region, _) in self.more { SealedPartFile.release(region) }
    }
}
