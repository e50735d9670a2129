import Glibc

/// Process statistics read from `/proc/self` at scrape time (Linux), exported under the
/// conventional `process_*` names.
public enum ProcessMetrics {
    /// Registers the collector that writes `process_cpu_seconds_total`,
    /// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`
    /// and `process_start_time_seconds`.
    public static func register(in registry: MetricsRegistry) {
        registry.addCollector { writer in
            guard let sample = Self.read() else { return }
            writer.header(name: "process_cpu_seconds_total", help: "User and system CPU time spent in seconds.", type: .counter)
            writer.sample(name: "process_cpu_seconds_total", value: sample.cpuSeconds)
            writer.header(name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: .gauge)
            writer.sample(name: "process_resident_memory_bytes", value: sample.residentBytes)
            writer.header(name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.", type: .gauge)
            writer.sample(name: "process_virtual_memory_bytes", value: sample.virtualBytes)
            writer.header(name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch in seconds.", type: .gauge)
            writer.sample(name: "process_start_time_seconds", value: sample.startTimeSeconds)
            if let openFileDescriptors = sample.openFileDescriptors {
                writer.header(name: "process_open_fds", help: "Number of open file descriptors.", type: .gauge)
                writer.sample(name: "process_open_fds", value: openFileDescriptors)
            }
        }
    }

    /// One reading of the process's statistics.
    public struct Sample: Sendable {
        /// User plus system CPU time, in seconds.
        public var cpuSeconds: Double
        /// Resident set size, in bytes.
        public var residentBytes: Int
        /// Virtual memory size, in bytes.
        public var virtualBytes: Int
        /// Process start time, in seconds since the Unix epoch.
        public var startTimeSeconds: Double
        /// Open file descriptors, when `/proc/self/fd` is readable.
        public var openFileDescriptors: Int?
    }

    /// Reads `/proc/self/stat` (and `/proc/stat` for the boot time); nil where there is no procfs.
    public static func read() -> Sample? {
        guard let stat = readSmallFile("/proc/self/stat"),
              // The command name (field 2) may contain spaces and parentheses: fields are
              // counted from the last ')'.
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ')': field 3 is state (index 0) … utime is field 14, stime 15, starttime 22,
        // vsize 23, rss 24 (in pages).
        func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let startTicks = field(22),
              let vsize = field(23), let rssPages = field(24)
        else { return nil }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageBytes = Double(sysconf(Int32(_SC_PAGESIZE)))
        var bootTime = 0.0
        if let procStat = readSmallFile("/proc/stat"),
           let line = procStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
           let value = Double(line.dropFirst("btime ".count)) {
            bootTime = value
        }
        return Sample(
            cpuSeconds: (utime + stime) / ticksPerSecond,
            residentBytes: Int(rssPages * pageBytes),
            virtualBytes: Int(vsize),
            startTimeSeconds: bootTime + startTicks / ticksPerSecond,
            openFileDescriptors: countOpenFileDescriptors()
        )
    }

    private static func readSmallFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > 1 << 20 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func countOpenFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        // Minus ".", ".." and the descriptor opendir itself holds.
        return max(0, count - 3)
    }
}
