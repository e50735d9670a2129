import Foundation
import LibAV
import Logging
import Profiles

/// One source through one profile's ladder into a sink: ingest → decode once → timeline →
/// one lane per rendition (scale/resample, encode, package) in parallel.
///
/// `run()` blocks its calling thread (libav work never runs on Swift's shared executor) until
/// the source ends (files), the duration limit is reached, or `stop()` is called. Live sources
/// that stall or disconnect are reopened with backoff and the output continues after a
/// discontinuity.
public final class TranscodeSession: @unchecked Sendable {
    // @unchecked: mutable state is confined to the thread running `run()`; `stop()` only
    // touches the thread-safe interrupt flag.
    public let profile: Profile
    public let source: SourceSpec
    public let stats = PipelineStats()
    private let sink: MediaSink
    private let logger: Logger
    private let interrupt = InterruptFlag()
    private let options: Options

    /// Tuning for one session.
    public struct Options: Sendable {
        /// Stop after this much output (seconds of the output timeline); nil for no limit.
        public var maximumDurationSeconds: Double?
        /// A live source silent this long is considered lost and reopened.
        public var stallTimeoutSeconds: Double = 5
        /// First wait before reopening a lost source; doubles up to `maximumBackoffSeconds`.
        public var initialBackoffSeconds: Double = 0.5
        public var maximumBackoffSeconds: Double = 8
        /// Frames each lane may queue; bounds memory when an encoder is slower than the source.
        public var laneQueueCapacity: Int = 8

        public init(maximumDurationSeconds: Double? = nil) {
            self.maximumDurationSeconds = maximumDurationSeconds
        }
    }

    public init(profile: Profile, source: SourceSpec, sink: MediaSink, options: Options = Options(), logger: Logger) {
        self.profile = profile
        self.source = source
        self.sink = sink
        self.options = options
        self.logger = logger
    }

    /// Asks `run()` to finish: blocking I/O is interrupted, every lane drains and closes its
    /// open segment. Safe from any thread (signal handlers included).
    public func stop() { interrupt.stop() }

    /// Runs to the end. Throws when a file source cannot be opened or the ladder cannot be set up.
    public func run() throws {
        var timeline = FrameTimeline(framesPerSecond: profile.frameRate, framesPerSegment: profile.framesPerSegment)
        var lanes: LaneSet?
        var backoff = options.initialBackoffSeconds
        defer {
            lanes?.finish()
            stats.setState(.ended)
        }
        while !interrupt.isStopped {
            stats.setState(lanes == nil ? .connecting : .reconnecting)
            let input: InputContext
            do {
                input = try InputContext(url: source.url, format: source.format, options: source.options, interrupt: interrupt)
            } catch {
                if interrupt.isStopped { break }
                guard source.isLive else { throw SessionError.cannotOpen(source.url, "\(error)") }
                logger.warning("source \(source.url) unavailable (\(error)); retrying in \(backoff) s")
                sleep(seconds: backoff)
                backoff = min(backoff * 2, options.maximumBackoffSeconds)
                continue
            }
            guard let videoIndex = input.bestStream(.video) else {
                guard source.isLive else { throw SessionError.noVideo(source.url) }
                logger.warning("source \(source.url) has no video stream; retrying in \(backoff) s")
                sleep(seconds: backoff)
                continue
            }
            let audioIndex = input.bestStream(.audio)
            if let lanes {
                let start = timeline.startNewSegmentAfterDiscontinuity()
                lanes.discontinuity(atFrame: start, framesPerSecond: profile.frameRate)
                stats.addReconnect()
                logger.info("source \(source.url) is back; continuing at segment \(start / Int64(profile.framesPerSegment)) after a discontinuity")
            } else {
                lanes = try LaneSet(plan: RenditionPlan(profile: profile), hasAudio: audioIndex != nil,
                                    sink: sink, stats: stats, queueCapacity: options.laneQueueCapacity,
                                    maximumDurationSeconds: options.maximumDurationSeconds, logger: logger)
                logger.info("source \(source.url) open (\(input.formatName)); encoding \(profile.video.renditions.count) renditions")
            }
            stats.setState(.producing)
            var pump = SourcePump(input: input, videoIndex: videoIndex, audioIndex: audioIndex, lanes: lanes!,
                                  stats: stats, interrupt: interrupt, logger: logger, source: source, options: options,
                                  maximumFrames: options.maximumDurationSeconds.map { Int64($0 * Double(profile.frameRate)) })
            let outcome = pump.run(timeline: &timeline)
            if pump.framesPlaced > 0 { backoff = options.initialBackoffSeconds }
            switch outcome {
            case .stopped, .durationReached:
                return
            case .ended where !source.isLive:
                return
            case .ended:
                logger.warning("source \(source.url) ended; waiting for it to come back")
            case .lost(let reason):
                guard source.isLive else { throw SessionError.lost(source.url, reason) }
                logger.warning("source \(source.url) lost: \(reason); reconnecting in \(backoff) s")
            }
            stats.setState(.reconnecting)
            sleep(seconds: backoff)
            backoff = min(backoff * 2, options.maximumBackoffSeconds)
        }
    }

    /// Sleeps in short steps so that `stop()` is honoured promptly.
    private func sleep(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while !interrupt.isStopped, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }
}

/// Why a session could not run.
public enum SessionError: Error, CustomStringConvertible {
    case cannotOpen(String, String)
    case noVideo(String)
    case lost(String, String)

    public var description: String {
        switch self {
        case .cannotOpen(let url, let reason): "cannot open input \(url): \(reason)"
        case .noVideo(let url): "input \(url) has no video stream"
        case .lost(let url, let reason): "input \(url) failed: \(reason)"
        }
    }
}
