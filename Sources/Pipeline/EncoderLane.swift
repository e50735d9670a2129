import Foundation
import LibAV
import Logging

/// One rendition's worker: a thread that takes frames from its queue, converts them
/// (scale or resample), encodes and packages them. Lanes run in parallel, one per rendition.
final class EncoderLane: @unchecked Sendable {
    // @unchecked: after `start()` every mutable member is touched only by the lane's thread.
    let name: String
    let queue: BoundedQueue<LaneInput>
    let stats: RenditionStats
    private let encoder: Encoder
    private let packager: FragmentPackager
    private let converter: Converter
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)
    /// Lanes fed from this lane's scaled pictures instead of the source (the scale cascade).
    private(set) var children: [EncoderLane] = []
    /// Audio past this pts (the session's duration limit) is not encoded.
    var audioLimitPts: Int64?
    /// The error that stopped the lane early, if any.
    private(set) var failure: Error?

    /// How a lane turns a decoded frame into encoder input.
    enum Converter {
        /// Video: scale when the size differs from the rendition's.
        case scale(Scaler)
        /// Audio: resample and re-block to the encoder's frame size.
        case resample(Resampler)
    }

    init(name: String, encoder: Encoder, packager: FragmentPackager, converter: Converter,
         stats: RenditionStats, queueCapacity: Int, logger: Logger) {
        self.name = name
        self.encoder = encoder
        self.packager = packager
        self.converter = converter
        self.stats = stats
        self.logger = logger
        queue = BoundedQueue(capacity: queueCapacity)
    }

    /// Feeds `child` from this lane: set before `start()`.
    func addChild(_ child: EncoderLane) { children.append(child) }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "lane-\(name)"
        thread.start()
    }

    /// Blocks until the lane has drained and finished.
    func waitUntilFinished() { finished.wait() }

    private func run() {
        var failed = false
        while true {
            let input = queue.pop()
            stats.setQueueDepth(queue.depth)
            switch consume input {
            case .frame(let frame):
                guard !failed else {
                    // Keep draining so the decode thread never blocks, and keep children fed.
                    forwardToChildren(frame)
                    continue
                }
                do { try process(frame) } catch { fail(error); failed = true }
            case .discontinuity(let restartPts):
                for child in children { child.queue.push(.discontinuity(restartPts: restartPts)) }
                guard !failed else { continue }
                do {
                    if case .resample(let resampler) = converter {
                        try encodeAvailableAudio(resampler, draining: true)
                        resampler.restart(atPts: restartPts)
                    }
                    try packager.markDiscontinuity()
                } catch { fail(error); failed = true }
            case .end:
                // Children drain in parallel with this lane's own flush.
                for child in children { child.queue.push(.end) }
                if !failed {
                    do { try finish() } catch { fail(error) }
                }
                return
            }
        }
    }

    private func process(_ frame: consuming Frame) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        switch converter {
        case .scale(let scaler):
            if frame.width == scaler.outputWidth, frame.height == scaler.outputHeight, frame.pixelFormat == .yuv420p {
                forwardToChildren(frame)
                try encode(frame)
            } else {
                let scaled = try scaler.scale(frame)
                // Smaller rungs scale from this picture only when it is a downscale: cheaper
                // than scaling the full source again, and never built on an upscaled picture.
                if scaled.width < frame.width, scaled.height < frame.height {
                    forwardToChildren(scaled)
                } else {
                    forwardToChildren(frame)
                }
                try encode(scaled)
            }
        case .resample(let resampler):
            try resampler.push(frame)
            try encodeAvailableAudio(resampler, draining: false)
        }
        stats.recordFrame(nanoseconds: Int(DispatchTime.now().uptimeNanoseconds - started))
    }

    private func forwardToChildren(_ frame: borrowing Frame) {
        for child in children {
            // A reference only fails when out of memory; the child then misses one frame.
            do { child.queue.push(.frame(try frame.reference())) } catch { logger.error("\(child.name): frame lost: \(error)") }
        }
    }

    private func encodeAvailableAudio(_ resampler: Resampler, draining: Bool) throws {
        while let block = try resampler.pull(draining: draining) {
            if let limit = audioLimitPts, block.pts >= limit { continue }
            try encode(block)
        }
    }

    private func encode(_ frame: borrowing Frame) throws {
        while try !encoder.send(frame) { try drainPackets() }
        try drainPackets()
    }

    private func drainPackets() throws {
        while true {
            switch try encoder.receive() {
            case .output(let packet): try packager.write(packet)
            case .needsInput: return
            case .endOfStream: return
            }
        }
    }

    private func finish() throws {
        if case .resample(let resampler) = converter { try encodeAvailableAudio(resampler, draining: true) }
        encoder.sendEndOfStream()
        try drainPackets()
        try packager.finish()
    }

    private func fail(_ error: Error) {
        failure = error
        logger.error("rendition \(name) stopped: \(error)")
    }
}
