import Adaptation

/// The measurement of one media response to an auto session's player, from when the
/// response is ready to write until the peer has acknowledged its last byte.
///
/// The kernel counts the bytes the peer acknowledged (`tcpi_bytes_acked`); the body is
/// delivered once that count passes its value at the start plus what was queued before plus
/// the body. The count is read when the last write completes and, if the body is not all
/// acknowledged yet, again after about the time the rest needs at the rate seen so far. The
/// time from start to acknowledgement is what the player saw from request to last byte
/// (half a round trip on each side). `TCP_NOTSENT_LOWAT` on the connection keeps the unsent
/// rest small, so one or two reads usually do.
struct DeliveryProbe {
    let session: AutoSession
    let renditionIndex: Int
    let bodyBytes: Int
    let mediaSeconds: Double
    let startNanoseconds: UInt64
    let minimumSampleBytes: Int
    var start: TCPInfo?
    var reads = 0

    /// Reads of `TCP_INFO` after the last write, at most.
    static let maximumReads = 12
    /// Longest a response is followed before what was acknowledged by then is taken.
    static let maximumSeconds = 5.0

    enum Step {
        /// Measured: these are the samples.
        case done(ChunkDelivery?, TransportSample?)
        /// Not all acknowledged: read again after this long.
        case again(afterSeconds: Double, DeliveryProbe)
    }

    /// What the connection's `TCP_INFO` now says of the response.
    func step(end: TCPInfo?, nowNanoseconds: UInt64) -> Step {
        let seconds = Double(nowNanoseconds &- self.startNanoseconds) / 1e9
        guard let end else {
            // No socket to ask (closed): the write time is all there is.
            return .done(self.delivery(bytes: self.bodyBytes, seconds: seconds), nil)
        }
        guard let start = self.start, end.bytesAcked > 0, end.bytesAcked >= start.bytesAcked else {
            // A kernel without tcpi_bytes_acked: written less still queued, plus a round trip.
            let delivered = self.bodyBytes + (self.start?.backlogBytes ?? 0) - end.backlogBytes
            let withRoundTrip = seconds + Double(end.minRTTMicroseconds) / 1e6
            return .done(self.delivery(bytes: delivered, seconds: withRoundTrip), self.transportSample(end: end))
        }
        let acknowledged = Int(end.bytesAcked - start.bytesAcked)
        let target = start.backlogBytes + self.bodyBytes
        if acknowledged >= target {
            return .done(self.delivery(bytes: self.bodyBytes, seconds: seconds), self.transportSample(end: end))
        }
        if self.reads >= Self.maximumReads || seconds >= Self.maximumSeconds {
            return .done(self.delivery(bytes: acknowledged - start.backlogBytes, seconds: seconds), self.transportSample(end: end))
        }
        // The rest at the rate so far; before any progress, a round trip.
        let rate = seconds > 0 ? Double(acknowledged) / seconds : 0
        let remaining = Double(target - acknowledged)
        let wait = rate > 0 ? remaining / rate : max(Double(end.rttMicroseconds) / 1e6, 0.001)
        var next = self
        next.reads += 1
        return .again(afterSeconds: min(max(wait, 0.001), 0.25), next)
    }

    private func delivery(bytes: Int, seconds: Double) -> ChunkDelivery? {
        guard self.bodyBytes >= self.minimumSampleBytes, bytes >= self.minimumSampleBytes, seconds > 0 else { return nil }
        return ChunkDelivery(
            renditionIndex: self.renditionIndex, bytes: Double(bytes), durationSeconds: seconds, mediaDurationSeconds: self.mediaSeconds
        )
    }

    /// The kernel's sample, marked app-limited when the peer's receive window held the
    /// sender back for much of this response: the kernel's delivery rate then times bursts
    /// into a window the player just opened (microseconds on a short path), not the rate at
    /// which the player takes media, and the kernel does not flag that itself.
    func transportSample(end: TCPInfo) -> TransportSample {
        var sample = end.transportSample
        let busy = end.busyMicroseconds &- (self.start?.busyMicroseconds ?? 0)
        let limited = end.receiveWindowLimitedMicroseconds &- (self.start?.receiveWindowLimitedMicroseconds ?? 0)
        if busy > 0, limited <= busy, Double(limited) > 0.2 * Double(busy) { sample.deliveryRateAppLimited = true }
        return sample
    }
}
