/// A recorded throughput trace in the ABR literature's "cooked" form: sample `i` says the path
/// carried `throughputMbps[i]` from `timesSeconds[i-1]` to `timesSeconds[i]`.
public struct NetworkTrace: Sendable {
    /// Label for reports (usually the file name).
    public let name: String
    /// Sample times in seconds, non-decreasing.
    public let timesSeconds: [Double]
    /// Throughput in Mbit/s (10⁶ bit/s) of the interval ending at the same index.
    public let throughputMbps: [Double]

    /// A validated trace: at least two samples, times finite and non-decreasing, throughput
    /// finite and non-negative, and some data carried over one loop.
    public init(name: String, timesSeconds: [Double], throughputMbps: [Double]) throws(TraceError) {
        guard timesSeconds.count == throughputMbps.count, timesSeconds.count >= 2 else {
            throw .tooFewSamples(trace: name)
        }
        var carries = false
        for i in timesSeconds.indices {
            guard timesSeconds[i].isFinite, i == 0 || timesSeconds[i] >= timesSeconds[i - 1] else {
                throw .timeGoesBackwards(trace: name, line: i + 1)
            }
            guard throughputMbps[i].isFinite, throughputMbps[i] >= 0 else {
                throw .invalidThroughput(trace: name, line: i + 1)
            }
            if i > 0, throughputMbps[i] > 0, timesSeconds[i] > timesSeconds[i - 1] { carries = true }
        }
        guard carries else { throw .carriesNothing(trace: name) }
        self.name = name
        self.timesSeconds = timesSeconds
        self.throughputMbps = throughputMbps
    }

    /// Parses `seconds Mbps` lines (tab or space separated, LF or CRLF, blank lines skipped).
    public static func parse(name: String, text: String) throws(TraceError) -> NetworkTrace {
        var times: [Double] = []
        var rates: [Double] = []
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count >= 2, let t = Double(fields[0]), let r = Double(fields[1]) else {
                throw .malformedLine(trace: name, line: lineNumber, content: String(line.prefix(80)))
            }
            guard t.isFinite, times.last.map({ t >= $0 }) ?? true else {
                throw .timeGoesBackwards(trace: name, line: lineNumber)
            }
            guard r.isFinite, r >= 0 else { throw .invalidThroughput(trace: name, line: lineNumber) }
            times.append(t)
            rates.append(r)
        }
        return try NetworkTrace(name: name, timesSeconds: times, throughputMbps: rates)
    }
}

/// Why a trace or a chunk-size table could not be used.
public enum TraceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A line was not two numbers.
    case malformedLine(trace: String, line: Int, content: String)
    /// Fewer than two samples.
    case tooFewSamples(trace: String)
    /// A time was earlier than the one before it (or not finite).
    case timeGoesBackwards(trace: String, line: Int)
    /// A throughput was negative or not finite.
    case invalidThroughput(trace: String, line: Int)
    /// No interval carried any data, so no download could ever finish.
    case carriesNothing(trace: String)
    /// A chunk-size line was not a non-negative integer.
    case malformedChunkSize(table: String, line: Int, content: String)
    /// A chunk-size table has fewer chunks than the video.
    case tooFewChunks(table: String, found: Int, needed: Int)

    public var description: String {
        switch self {
        case let .malformedLine(trace, line, content):
            "\(trace):\(line): expected '<seconds> <Mbps>', found '\(content)'"
        case let .tooFewSamples(trace):
            "\(trace): a trace needs at least two samples"
        case let .timeGoesBackwards(trace, line):
            "\(trace):\(line): time is earlier than the previous sample's"
        case let .invalidThroughput(trace, line):
            "\(trace):\(line): throughput must be a non-negative number"
        case let .carriesNothing(trace):
            "\(trace): the trace never carries any data"
        case let .malformedChunkSize(table, line, content):
            "\(table):\(line): expected a chunk size in bytes, found '\(content)'"
        case let .tooFewChunks(table, found, needed):
            "\(table): \(found) chunk sizes, the video needs \(needed)"
        }
    }
}
