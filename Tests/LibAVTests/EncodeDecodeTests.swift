import Foundation
@testable import LibAV
import CFFmpeg
import Testing

/// Encodes generated frames with each ladder codec and decodes them back through a real
/// demuxer: the owners, the send/receive states and the fMP4 muxer working together.
@Suite(.serialized)
struct EncodeDecodeTests {
    static let codecs = ["libvpx-vp9", "libvpx", "libx264"]

    @Test(arguments: codecs)
    func encodedFramesDecodeBackToTheSameSize(encoderName: String) throws {
        let encoder = try Encoder(video: Self.settings(encoderName, width: 160, height: 96))
        var packets: [[UInt8]] = []
        var keyframes = 0
        let frameCount = 12
        for index in 0..<frameCount {
            let frame = try Frame(width: 160, height: 96, pixelFormat: .yuv420p)
            try frame.fillTestPattern(index: index)
            frame.pts = Int64(index)
            frame.forcesKeyframe = index % 6 == 0
            #expect(try encoder.send(frame))
            try Self.drain(encoder) { packet in
                packets.append(packet.withBytes { Array($0) })
                if packet.isKeyframe { keyframes += 1 }
            }
        }
        encoder.sendEndOfStream()
        try Self.drain(encoder) { packet in
            packets.append(packet.withBytes { Array($0) })
            if packet.isKeyframe { keyframes += 1 }
        }
        #expect(packets.count == frameCount)
        #expect(keyframes == 2, "a keyframe forced at frames 0 and 6, and no other")

        // Round trip: mux as fMP4 in memory, write to a file, demux and decode it again.
        let muxed = try Self.muxFragmentedMP4(encoderName: encoderName)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("libav-\(encoderName)-\(UUID()).mp4")
        try Data(muxed).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let input = try InputContext(url: url.path)
        let videoIndex = try #require(input.bestStream(.video))
        #expect(input.streams[videoIndex].width == 160)
        let decoder = try Decoder(streamIndex: videoIndex, of: input)
        let packet = Packet()
        var decoded = 0
        while try input.read(into: packet) == .packet {
            guard packet.streamIndex == videoIndex else { continue }
            _ = try decoder.send(packet)
            decoded += try Self.drainFrames(decoder, width: 160, height: 96)
        }
        decoder.sendEndOfStream()
        decoded += try Self.drainFrames(decoder, width: 160, height: 96)
        #expect(decoded == frameCount)
    }

    @Test func noFrameOrPacketLeaksOverAThousandIterations() throws {
        let encoder = try Encoder(video: Self.settings("libvpx-vp9", width: 64, height: 64))
        let scaler = Scaler(outputWidth: 32, outputHeight: 32)
        let framesBefore = LiveObjects.frameCount
        let packetsBefore = LiveObjects.packetCount
        // Buffers are released, not just the wrappers: a probe frame's picture buffer is
        // back to its one reference once its copies are gone and the encoder let go of it.
        // (Counted references, not resident memory: other suites allocate in parallel.)
        let probe = try Frame(width: 64, height: 64, pixelFormat: .yuv420p)
        try probe.fillTestPattern(index: 0)
        probe.pts = 0
        do {
            let copy = try probe.reference()
            #expect(av_buffer_get_ref_count(probe.pointer.pointee.buf.0) == 2)
            #expect(try scaler.scale(copy).width == 32)
        }
        _ = try encoder.send(probe)
        for index in 1..<1_000 {
            let frame = try Frame(width: 64, height: 64, pixelFormat: .yuv420p)
            try frame.fillTestPattern(index: index)
            frame.pts = Int64(index)
            let copy = try frame.reference()
            let small = try scaler.scale(copy)
            #expect(small.width == 32)
            _ = try encoder.send(frame)
            try Self.drain(encoder) { packet in _ = try packet.reference() }
        }
        encoder.sendEndOfStream()
        try Self.drain(encoder) { _ in }
        #expect(LiveObjects.frameCount == framesBefore + 1)  // the probe
        #expect(LiveObjects.packetCount == packetsBefore)
        #expect(av_buffer_get_ref_count(probe.pointer.pointee.buf.0) == 1)
    }

    @Test func unknownEncoderAndUnknownOptionAreClearErrors() throws {
        #expect(throws: LibAVSetupError.self) { try Encoder(video: Self.settings("no-such-encoder", width: 64, height: 64)) }
        var settings = Self.settings("libvpx-vp9", width: 64, height: 64)
        settings.options["no-such-option"] = "1"
        do {
            _ = try Encoder(video: settings)
            Issue.record("an unknown option must be rejected")
        } catch {
            #expect("\(error)".contains("no-such-option"))
        }
    }

    @Test func aMissingInputNamesTheFile() {
        do {
            _ = try InputContext(url: "/nonexistent/source.ts")
            Issue.record("opening a missing file must fail")
        } catch let error as AVError {
            #expect(error.context == "/nonexistent/source.ts")
            #expect(error.operation == "avformat_open_input")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func audioIsResampledIntoEncoderSizedFrames() throws {
        let encoder = try Encoder(audio: AudioEncoderSettings(encoderName: "libopus", sampleRate: 48_000, channelCount: 2, bitrateKbps: 96))
        #expect(encoder.frameSampleCount == 960)
        let resampler = try Resampler(outputRate: 48_000, outputFormat: encoder.sampleFormat,
                                      outputChannels: 2, frameSampleCount: encoder.frameSampleCount)
        // 44.1 kHz mono input in odd-sized blocks.
        let input = try InputContext(url: "sine=frequency=1000:sample_rate=44100:samples_per_frame=777:duration=1", format: "lavfi")
        let decoder = try Decoder(streamIndex: try #require(input.bestStream(.audio)), of: input)
        let packet = Packet()
        var sizes: [Int] = []
        while try input.read(into: packet) == .packet {
            _ = try decoder.send(packet)
            while case .output(let frame) = try decoder.receive() {
                try resampler.push(frame)
                while let block = try resampler.pull() { sizes.append(block.sampleCount) }
            }
        }
        while let block = try resampler.pull(draining: true) { sizes.append(block.sampleCount) }
        #expect(sizes.dropLast().allSatisfy { $0 == 960 })
        #expect(abs(sizes.reduce(0, +) - 48_000) < 200, "one second of audio in, one second out")
        #expect(resampler.nextPts == Int64(sizes.reduce(0, +)))
    }

    // MARK: helpers

    static func settings(_ encoderName: String, width: Int, height: Int) -> VideoEncoderSettings {
        let options: [String: String] = encoderName == "libx264"
            ? ["preset": "ultrafast", "forced-idr": "1", "x264-params": "scenecut=0"]
            : ["deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"]
        return VideoEncoderSettings(
            encoderName: encoderName, width: width, height: height, timeBase: Rational(1, 30), frameRate: Rational(30, 1),
            bitrateKbps: 300, maxBitrateKbps: 450, gopFrames: 600, threadCount: 1, options: options)
    }

    static func drain(_ encoder: Encoder, _ body: (borrowing Packet) throws -> Void) throws {
        while case .output(let packet) = try encoder.receive() { try body(packet) }
    }

    static func drainFrames(_ decoder: Decoder, width: Int, height: Int) throws -> Int {
        var count = 0
        while case .output(let frame) = try decoder.receive() {
            #expect(frame.width == width && frame.height == height)
            count += 1
        }
        return count
    }

    static func muxFragmentedMP4(encoderName: String) throws -> [UInt8] {
        let encoder = try Encoder(video: settings(encoderName, width: 160, height: 96))
        let muxer = try FragmentedMP4Muxer(label: "test")
        let stream = try muxer.addStream(for: encoder)
        var bytes = try muxer.writeHeader()
        for index in 0..<12 {
            let frame = try Frame(width: 160, height: 96, pixelFormat: .yuv420p)
            try frame.fillTestPattern(index: index)
            frame.pts = Int64(index)
            _ = try encoder.send(frame)
            while case .output(let packet) = try encoder.receive() {
                packet.duration = 1
                try muxer.write(packet, stream: stream)
            }
            if index % 4 == 3 { bytes += try muxer.flushFragment() }
        }
        encoder.sendEndOfStream()
        while case .output(let packet) = try encoder.receive() {
            packet.duration = 1
            try muxer.write(packet, stream: stream)
        }
        bytes += try muxer.flushFragment()
        bytes += try muxer.finish()
        return bytes
    }
}
