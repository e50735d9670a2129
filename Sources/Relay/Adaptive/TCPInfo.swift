import Adaptation
import Glibc
import NIOCore

/// The fields of Linux's `struct tcp_info` that path estimation uses, read with
/// `getsockopt(fd, IPPROTO_TCP, TCP_INFO)`.
///
/// Glibc's `struct tcp_info` (netinet/tcp.h) stops at `tcpi_total_retrans`; the kernel's
/// (include/uapi/linux/tcp.h) has grown since, and the delivery rate, its app-limited bit,
/// the minimum RTT and the unsent byte count are only in the newer part. So the struct is
/// read as raw bytes at the kernel's documented offsets (``KernelTCPInfo``). A kernel older
/// than a field fills fewer bytes; the rest stay zero, which every consumer reads as "not known".
public struct TCPInfo: Sendable, Hashable {
    /// `tcpi_delivery_rate`: the latest delivery-rate sample, bytes per second (Linux 4.9+).
    public var deliveryRateBytesPerSecond: UInt64
    /// `tcpi_delivery_rate_app_limited`: the sample was taken while the sender had nothing to send.
    public var deliveryRateAppLimited: Bool
    /// `tcpi_rtt`: smoothed round trip, microseconds.
    public var rttMicroseconds: UInt32
    /// `tcpi_min_rtt`: the lowest round trip seen, microseconds (Linux 4.6+).
    public var minRTTMicroseconds: UInt32
    /// `tcpi_snd_cwnd`: congestion window, segments.
    public var congestionWindowSegments: UInt32
    /// `tcpi_snd_mss`: sender's maximum segment size, bytes.
    public var sendMSSBytes: UInt32
    /// `tcpi_unacked`: segments sent and not yet acknowledged.
    public var unackedSegments: UInt32
    /// `tcpi_total_retrans`: segments retransmitted over the connection's life.
    public var totalRetransmits: UInt32
    /// `tcpi_notsent_bytes`: bytes written to the socket and not yet sent (Linux 4.6+).
    public var notSentBytes: UInt32
    /// `tcpi_bytes_acked`: bytes the peer has acknowledged over the connection's life.
    public var bytesAcked: UInt64
    /// `tcpi_busy_time`: microseconds the connection had data in flight (Linux 4.10+).
    public var busyMicroseconds: UInt64
    /// `tcpi_rwnd_limited`: microseconds of that limited by the peer's receive window, i.e.
    /// by the receiving application not reading (Linux 4.10+).
    public var receiveWindowLimitedMicroseconds: UInt64

    /// Bytes written by the application that the peer has not acknowledged yet: unsent plus
    /// in flight (the in-flight part counted in whole segments of `snd_mss`).
    public var backlogBytes: Int {
        Int(self.notSentBytes) + Int(self.unackedSegments) * Int(self.sendMSSBytes)
    }

    /// The sample in the units the path estimator takes.
    public var transportSample: TransportSample {
        TransportSample(
            deliveryRateBytesPerSecond: self.deliveryRateBytesPerSecond, deliveryRateAppLimited: self.deliveryRateAppLimited,
            rttMicroseconds: self.rttMicroseconds, minRTTMicroseconds: self.minRTTMicroseconds,
            congestionWindowSegments: self.congestionWindowSegments, maximumSegmentBytes: self.sendMSSBytes,
            totalRetransmits: self.totalRetransmits
        )
    }

    /// Decodes the kernel's bytes.
    init(_ raw: KernelTCPInfo) {
        self.deliveryRateBytesPerSecond = raw.load(UInt64.self, at: KernelTCPInfo.deliveryRateOffset)
        self.deliveryRateAppLimited = raw.load(UInt8.self, at: KernelTCPInfo.appLimitedByteOffset) & KernelTCPInfo.appLimitedMask != 0
        self.rttMicroseconds = raw.load(UInt32.self, at: KernelTCPInfo.rttOffset)
        self.minRTTMicroseconds = raw.load(UInt32.self, at: KernelTCPInfo.minRTTOffset)
        self.congestionWindowSegments = raw.load(UInt32.self, at: KernelTCPInfo.sendCongestionWindowOffset)
        self.sendMSSBytes = raw.load(UInt32.self, at: KernelTCPInfo.sendMSSOffset)
        self.unackedSegments = raw.load(UInt32.self, at: KernelTCPInfo.unackedOffset)
        self.totalRetransmits = raw.load(UInt32.self, at: KernelTCPInfo.totalRetransmitsOffset)
        self.notSentBytes = raw.load(UInt32.self, at: KernelTCPInfo.notSentBytesOffset)
        self.bytesAcked = raw.load(UInt64.self, at: KernelTCPInfo.bytesAckedOffset)
        self.busyMicroseconds = raw.load(UInt64.self, at: KernelTCPInfo.busyTimeOffset)
        self.receiveWindowLimitedMicroseconds = raw.load(UInt64.self, at: KernelTCPInfo.receiveWindowLimitedOffset)
    }

    /// Reads `TCP_INFO` of a connected TCP socket; nil when the call fails (not TCP, closed).
    public static func read(fileDescriptor: CInt) -> TCPInfo? {
        var raw = KernelTCPInfo()
        var length = socklen_t(MemoryLayout<KernelTCPInfo>.size)
        let result = withUnsafeMutableBytes(of: &raw) { bytes in
            getsockopt(fileDescriptor, CInt(IPPROTO_TCP), TCP_INFO, bytes.baseAddress, &length)
        }
        return result == 0 ? TCPInfo(raw) : nil
    }

    /// Reads `TCP_INFO` of a NIO socket channel. On the channel's event loop the future is
    /// already complete when this returns (NIO runs the `getsockopt` inline there). nil for
    /// channels without a socket (embedded, tests) or when the call fails.
    public static func read(channel: any Channel) -> EventLoopFuture<TCPInfo?> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        let future: EventLoopFuture<KernelTCPInfo> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_INFO)
        )
        return future.map { TCPInfo($0) }.recover { _ in nil }
    }

    /// Sets `TCP_NOTSENT_LOWAT` on a NIO socket channel: the kernel then keeps at most about
    /// `bytes` unsent, so a response's last write completes close to when the peer has it
    /// rather than when it fits a multi-megabyte socket buffer. That is what makes a response's
    /// server-side duration a measure of the path.
    public static func setNotSentLowWaterMark(channel: any Channel, bytes: Int) {
        guard let provider = channel as? any SocketOptionProvider else { return }
        provider.unsafeSetSocketOption(
            level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_NOTSENT_LOWAT), value: CInt(bytes)
        ).whenFailure { _ in }
    }
}

/// The first 184 bytes of the kernel's `struct tcp_info` (through `tcpi_rwnd_limited`), as raw
/// words: the layout is the kernel's, read at fixed offsets, so no C declaration is needed.
///
/// Offsets from include/uapi/linux/tcp.h: eight `__u8` (the eighth holds the bit field
/// `tcpi_delivery_rate_app_limited:1`, the first declared, so the lowest bit on a
/// little-endian ABI and the highest on a big-endian one), then `__u32` fields from byte 8,
/// `__u64` fields from byte 104 (naturally aligned; no padding anywhere in the struct).
struct KernelTCPInfo: Sendable {
    private var words: (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    static let appLimitedByteOffset = 7       // __u8 tcpi_delivery_rate_app_limited:1, tcpi_fastopen_client_fail:2
    #if _endian(big)
    static let appLimitedMask: UInt8 = 0x80
    #else
    static let appLimitedMask: UInt8 = 0x01
    #endif
    static let sendMSSOffset = 16             // __u32 tcpi_snd_mss
    static let unackedOffset = 24             // __u32 tcpi_unacked
    static let rttOffset = 68                 // __u32 tcpi_rtt
    static let sendCongestionWindowOffset = 80 // __u32 tcpi_snd_cwnd
    static let totalRetransmitsOffset = 100   // __u32 tcpi_total_retrans
    static let bytesAckedOffset = 120         // __u64 tcpi_bytes_acked
    static let notSentBytesOffset = 144       // __u32 tcpi_notsent_bytes
    static let minRTTOffset = 148             // __u32 tcpi_min_rtt
    static let deliveryRateOffset = 160       // __u64 tcpi_delivery_rate
    static let busyTimeOffset = 168           // __u64 tcpi_busy_time
    static let receiveWindowLimitedOffset = 176 // __u64 tcpi_rwnd_limited

    init() {}

    func load<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        withUnsafeBytes(of: self.words) { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }
}
