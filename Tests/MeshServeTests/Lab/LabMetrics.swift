import Foundation

/// Reading a lab box's `/metrics` from inside its namespace.
enum LabMetrics {
    static func scrape(_ host: NetworkLab.Host, lab: NetworkLab) async throws -> String {
        try await lab.perform(in: host) { String(decoding: try TestHTTP.get(host: "127.0.0.1", LabBox.port, "/metrics").body, as: UTF8.self) }
    }

    /// A sample's value in Prometheus text (0 when absent).
    static func value(_ metrics: String, _ series: String) -> Double {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// Bytes of verified chunks the box has received, per upstream.
    static func chunkBytes(of host: NetworkLab.Host, lab: NetworkLab) async throws -> [String: Double] {
        let prefix = "mutstream_mesh_upstream_chunk_bytes_total{upstream=\""
        var values: [String: Double] = [:]
        for line in try await scrape(host, lab: lab).split(separator: "\n") where line.hasPrefix(prefix) {
            values[String(line.dropFirst(prefix.count).prefix { $0 != "\"" })] = Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return values
    }

    /// Bytes per second of verified chunks the box received over `seconds`, in all and per upstream.
    static func chunkRate(of host: NetworkLab.Host, lab: NetworkLab, seconds: Double) async throws -> (Double, [String: Double]) {
        let start = Date()
        let before = try await chunkBytes(of: host, lab: lab)
        try await Task.sleep(for: .seconds(seconds))
        let after = try await chunkBytes(of: host, lab: lab)
        let elapsed = Date().timeIntervalSince(start)
        let rates = after.mapValues { $0 / elapsed }.merging(before.mapValues { -$0 / elapsed }, uniquingKeysWith: +)
        return (rates.values.reduce(0, +), rates)
    }
}
