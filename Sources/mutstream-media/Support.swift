import Dispatch
import Foundation
import LibAV
import Pipeline
import Profiles

/// A value shared between threads behind a lock.
final class LockedBox<Value>: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Turns SIGINT/SIGTERM (and others) into a callback on a dispatch queue.
final class SignalForwarder: @unchecked Sendable {
    // @unchecked: the dispatch sources are immutable after init and thread-safe to cancel.
    private let sources: [DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func cancel() { for source in sources { source.cancel() } }
}

/// A one-line progress report on stderr, refreshed every second while a session runs.
final class ProgressLine: @unchecked Sendable {
    // @unchecked: the timer is immutable after init and thread-safe to resume and cancel.
    private let timer: DispatchSourceTimer
    private let isTerminal = isatty(STDERR_FILENO) != 0

    init(session: TranscodeSession, profile: Profile) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        let started = Date()
        let stats = session.stats
        let terminal = isTerminal
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler {
            let elapsed = Date().timeIntervalSince(started)
            let mediaSeconds = Double(stats.outputFrameCount) / Double(profile.frameRate)
            let lanes = stats.renditions.map { lane in
                let kbps = mediaSeconds > 0 ? Double(lane.bytesOut * 8) / mediaSeconds / 1000 : 0
                return "\(lane.name) \(Int(kbps)) kb/s"
            }.joined(separator: ", ")
            let line = String(format: "%@ media %.1fs  speed %.2fx  frames %d  errors %d  %@",
                              "\(stats.ingestState)", mediaSeconds, elapsed > 0 ? mediaSeconds / elapsed : 0,
                              stats.inputFrameCount, stats.decodeErrorCount, lanes)
            FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
        }
    }

    func start() { timer.resume() }

    func stop() {
        timer.cancel()
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
