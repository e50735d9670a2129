/// Exports a ``ChunkStore``'s window sizes and counters at scrape time.
public enum StoreMetrics {
    /// Registers the collector writing `mutstream_store_*` (per stream and rendition) and
    /// `mutstream_stream_producing` (per stream).
    public static func register(store: ChunkStore, in registry: MetricsRegistry) {
        registry.addCollector { writer in
            let statistics = store.statistics()
            let families: [(String, String, MetricType, (RenditionStatistics) -> Double)] = [
                ("mutstream_store_segments", "Segments in the window, including the open one.", .gauge, { Double($0.segments) }),
                ("mutstream_store_parts", "Parts in the window.", .gauge, { Double($0.parts) }),
                ("mutstream_store_bytes", "Payload bytes held: parts plus init section.", .gauge, { Double($0.payloadBytes) }),
                ("mutstream_store_waiting_requests", "Requests parked until a part or segment appears.", .gauge, { Double($0.waiters) }),
                ("mutstream_store_last_media_sequence", "Media sequence number of the newest part.", .gauge, { Double($0.lastMediaSequence ?? -1) }),
                ("mutstream_store_parts_published_total", "Parts published.", .counter, { Double($0.partsPublished) }),
                ("mutstream_store_segments_evicted_total", "Segments evicted from the window.", .counter, { Double($0.segmentsEvicted) }),
            ]
            for (name, help, type, value) in families {
                writer.header(name: name, help: help, type: type)
                for entry in statistics {
                    writer.sample(name: name, labels: [("stream", entry.stream), ("rendition", entry.rendition)], value: value(entry))
                }
            }
            writer.header(name: "mutstream_stream_producing", help: "1 when the stream's producer is producing, else 0.", type: .gauge)
            for (stream, isProducing) in store.readiness() {
                writer.sample(name: "mutstream_stream_producing", labels: [("stream", stream)], value: isProducing ? 1 : 0)
            }
        }
    }
}
