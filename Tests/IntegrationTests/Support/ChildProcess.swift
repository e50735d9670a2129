import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program a test started, with its output captured to files (a full pipe can never
/// block it). Tests call `killIfRunning()` in a `defer`, so no child outlives a failed test.
final class ChildProcess {
    let label: String
    private let process = Process()
    private let outputURL: URL
    private let errorURL: URL

    /// How the child ended.
    struct Termination: Equatable, CustomStringConvertible {
        /// Exit status, or the signal number when `bySignal`.
        var status: Int32
        var bySignal: Bool
        static let success = Termination(status: 0, bySignal: false)
        var description: String { bySignal ? "killed by signal \(status)" : "exit \(status)" }
    }

    /// Starts `executable` with `arguments` and this process's environment plus `environment`;
    /// stdout and stderr go to files in `logDirectory`.
    init(_ executable: URL, _ arguments: [String], label: String, logDirectory: URL,
         environment: [String: String] = [:]) throws {
        self.label = label
        let stem = "\(label)-\(UUID().uuidString.prefix(6))"
        outputURL = logDirectory.appendingPathComponent("\(stem).out")
        errorURL = logDirectory.appendingPathComponent("\(stem).err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var standardOutput: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }
    var standardError: String { (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "" }

    /// Sends `signal` (SIGINT, SIGTERM, SIGKILL) if the child is still running.
    func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the child to end; after `timeoutSeconds` kills it and throws.
    @discardableResult
    func waitForExit(timeoutSeconds: Double) async throws -> Termination {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning {
            if Date() > deadline {
                killIfRunning()
                throw ChildTimeout(label: label, seconds: timeoutSeconds, standardError: standardError)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return termination
    }

    /// How it ended; only meaningful once it has.
    var termination: Termination {
        Termination(status: process.terminationStatus, bySignal: process.terminationReason == .uncaughtSignal)
    }

    /// SIGKILL and reap; safe to call in a `defer` whatever state the child is in.
    func killIfRunning() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A child did not end in time (it has been killed).
struct ChildTimeout: Error, CustomStringConvertible {
    let label: String
    let seconds: Double
    let standardError: String
    var description: String { "\(label) still running after \(seconds) s; stderr:\n\(standardError.suffix(2000))" }
}

/// Runs a program to its end and returns how it ended with its output.
struct CompletedRun {
    var termination: ChildProcess.Termination
    var standardOutput: String
    var standardError: String

    static func run(_ executable: URL, _ arguments: [String], label: String, in workspace: Workspace,
                    timeoutSeconds: Double = 60) async throws -> CompletedRun {
        let child = try ChildProcess(executable, arguments, label: label, logDirectory: workspace.url)
        defer { child.killIfRunning() }
        let termination = try await child.waitForExit(timeoutSeconds: timeoutSeconds)
        return CompletedRun(termination: termination, standardOutput: child.standardOutput, standardError: child.standardError)
    }
}
