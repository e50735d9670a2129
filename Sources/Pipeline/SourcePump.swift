import Foundation
import LibAV
import Logging

/// Reads one connection of a source: demux, skip corrupt packets, decode, place video frames
/// on the timeline and hand them to the lanes. Ends on end of input, loss, stop or the
/// duration limit.
struct SourcePump {
    enum Outcome: Equatable {
        case ended, stopped, durationReached
        case lost(String)
    }

    let input: InputContext
    let videoIndex: Int
    let audioIndex: Int?
    let lanes: LaneSet
    let stats: PipelineStats
    let interrupt: InterruptFlag
    let logger: Logger
    let source: SourceSpec
    let options: TranscodeSession.Options
    let maximumFrames: Int64?
    /// Output frames this connection placed.
    private(set) var framesPlaced: Int64 = 0
    private var lastVideoSeconds: Double?
    private var pacingStart: (wall: Double, index: Int64)?
    private var durationReached = false
    // A run of decode errors this long means the stream, not a packet, is broken.
    private var consecutiveDecodeErrors = 0

    init(input: InputContext, videoIndex: Int, audioIndex: Int?, lanes: LaneSet, stats: PipelineStats,
         interrupt: InterruptFlag, logger: Logger, source: SourceSpec, options: TranscodeSession.Options, maximumFrames: Int64?) {
        self.input = input
        self.videoIndex = videoIndex
        self.audioIndex = lanes.audio == nil ? nil : audioIndex
        self.lanes = lanes
        self.stats = stats
        self.interrupt = interrupt
        self.logger = logger
        self.source = source
        self.options = options
        self.maximumFrames = maximumFrames
    }

    mutating func run(timeline: inout FrameTimeline) -> Outcome {
        let videoDecoder: Decoder
        do {
            videoDecoder = try Decoder(streamIndex: videoIndex, of: input)
        } catch {
            return .lost("video decoder: \(error)")
        }
        var audioDecoder: Decoder?
        if let audioIndex {
            do { audioDecoder = try Decoder(streamIndex: audioIndex, of: input) } catch {
                logger.warning("audio of \(source.url) cannot be decoded (\(error)); continuing without it")
            }
        }
        let packet = Packet()
        defer { interrupt.armDeadline(secondsFromNow: nil) }
        while true {
            if interrupt.isStopped { return .stopped }
            if source.isLive { interrupt.armDeadline(secondsFromNow: options.stallTimeoutSeconds) }
            let outcome: ReadOutcome
            do {
                outcome = try input.read(into: packet)
            } catch {
                if interrupt.isStopped { return .stopped }
                // Frames the decoders still hold are real pictures of this connection: keep them.
                drain(videoDecoder, audioDecoder, timeline: &timeline)
                if interrupt.deadlinePassed { return .lost("no data for \(options.stallTimeoutSeconds) s") }
                return .lost("\(error)")
            }
            switch outcome {
            case .again:
                Thread.sleep(forTimeInterval: 0.002)
                continue
            case .endOfStream:
                drain(videoDecoder, audioDecoder, timeline: &timeline)
                return durationReached ? .durationReached : .ended
            case .packet:
                break
            }
            stats.addInput(bytes: packet.byteCount)
            if packet.isCorrupt {
                stats.addCorruptPacket()
                continue
            }
            let decoder: Decoder? = packet.streamIndex == videoIndex ? videoDecoder
                : packet.streamIndex == audioIndex ? audioDecoder : nil
            guard let decoder else { continue }
            do {
                while try !decoder.send(packet) { decodeAvailable(decoder, timeline: &timeline) }
                consecutiveDecodeErrors = 0
            } catch {
                // One bad packet never ends the stream: count it and go on.
                stats.addDecodeError()
                consecutiveDecodeErrors += 1
                if consecutiveDecodeErrors == 1 || consecutiveDecodeErrors % 100 == 0 {
                    logger.warning("decode error on \(source.url): \(error) (\(stats.decodeErrorCount) so far)")
                }
                if consecutiveDecodeErrors > 1000 { return .lost("\(consecutiveDecodeErrors) decode errors in a row") }
            }
            decodeAvailable(decoder, timeline: &timeline)
            if durationReached { return .durationReached }
        }
    }

    private mutating func drain(_ video: Decoder, _ audio: Decoder?, timeline: inout FrameTimeline) {
        for decoder in [video] + (audio.map { [$0] } ?? []) {
            decoder.sendEndOfStream()
            decodeAvailable(decoder, timeline: &timeline)
        }
    }

    private mutating func decodeAvailable(_ decoder: Decoder, timeline: inout FrameTimeline) {
        while !durationReached {
            let step: Step<Frame>
            do { step = try decoder.receive() } catch {
                stats.addDecodeError()
                continue
            }
            switch consume step {
            case .output(let frame):
                if decoder.kind == .video {
                    placeVideo(frame, timeBase: decoder.timeBase, timeline: &timeline)
                } else {
                    lanes.pushAudio(frame)
                }
            case .needsInput:
                return
            case .endOfStream:
                return
            }
        }
    }

    private mutating func placeVideo(_ frame: consuming Frame, timeBase: Rational, timeline: inout FrameTimeline) {
        stats.addInputFrame()
        let timestamp = frame.bestEffortTimestamp
        let seconds = timestamp == noTimestamp
            ? (lastVideoSeconds ?? 0) + 1 / Double(timeline.framesPerSecond)
            : Double(timestamp) * timeBase.doubleValue
        lastVideoSeconds = seconds
        let indices = timeline.place(sourceSeconds: seconds)
        if indices.isEmpty { stats.addDroppedFrame() }
        for index in indices {
            if let maximumFrames, index >= maximumFrames {
                durationReached = true
                return
            }
            frame.pts = index
            frame.forcesKeyframe = timeline.startsSegment(index)
            do { try lanes.pushVideo(frame) } catch { stats.addDroppedFrame() }
            framesPlaced += 1
            if source.paceToRealtime { pace(index: index, framesPerSecond: timeline.framesPerSecond) }
        }
        stats.setOutputFrames(Int(timeline.nextIndex))
    }

    /// Holds synthetic sources to wall-clock speed, as a camera would deliver.
    private mutating func pace(index: Int64, framesPerSecond: Int) {
        let now = Date().timeIntervalSince1970
        guard let start = pacingStart else { pacingStart = (now, index); return }
        let due = start.wall + Double(index - start.index) / Double(framesPerSecond)
        if due > now { Thread.sleep(forTimeInterval: due - now) }
    }
}
