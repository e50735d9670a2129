// swift-tools-version: 6.0
import PackageDescription

// The benchmarks are their own package so the product build stays lean; they use the
// product's modules by path. Each executable prints ratios against a reference it measures
// in the same run (interleaved, medians).
let package = Package(
    name: "MutstreamBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "mutstream", path: "..")],
    targets: [
        .executableTarget(
            name: "ChunkerBench",
            dependencies: [.product(name: "Chunker", package: "mutstream")],
            path: "ChunkerBench"
        ),
        .executableTarget(
            name: "AdaptationBench",
            dependencies: [.product(name: "Adaptation", package: "mutstream")],
            path: "AdaptationBench"
        ),
        // Part serving against nginx and blocking-request time to first byte; driven by serve/run.sh.
        .executableTarget(
            name: "relay-bench",
            dependencies: [.product(name: "Relay", package: "mutstream")],
            path: "RelayBench"
        ),
    ]
)
