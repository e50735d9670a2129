// swift-tools-version: 6.0
import PackageDescription

// Release builds of the hot path get cross-module optimisation so that the chunker's
// inlinable scanners specialise into their callers (the CLI, the pipeline, the benchmarks),
// and code for the CPU that builds it (the appliance builds on itself: AVX2/AVX-512 where
// present, plain SSE2 on a CPU without). MUTSTREAM_TARGET_CPU overrides it for another
// machine, e.g. `haswell` (AVX2, also what valgrind can run) or `x86-64` (baseline).
// The chunker's SIMD code is portable Swift SIMD: correct at any of these levels.
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags(
        ["-cross-module-optimization", "-target-cpu", Context.environment["MUTSTREAM_TARGET_CPU"] ?? "native"],
        .when(configuration: .release)),
]

let package = Package(
    name: "mutstream",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mutstream", targets: ["mutstream"]),
        .executable(name: "mutstream-media", targets: ["mutstream-media"]),
        .library(name: "Chunker", targets: ["Chunker"]),
        .library(name: "Adaptation", targets: ["Adaptation"]),
        .library(name: "Profiles", targets: ["Profiles"]),
        .library(name: "LibAV", targets: ["LibAV"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Relay", targets: ["Relay"]),
        .library(name: "Mesh", targets: ["Mesh"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // libav* headers and libraries, found through pkg-config.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt([
                "libavcodec-dev", "libavformat-dev", "libavutil-dev", "libswscale-dev",
                "libswresample-dev", "libavfilter-dev", "libavdevice-dev", "libvpx-dev",
            ])]
        ),
        // epoll, eventfd and sendfile declarations for the part fast path (headers only).
        .systemLibrary(name: "CLinuxEvents"),
        .target(name: "LibAV", dependencies: ["CFFmpeg"]),
        .target(name: "Chunker", swiftSettings: hotPathSettings),
        .target(name: "Profiles", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Adaptation"),
        // The mesh's pure core: signed chunk index, credentials, catalog, pull scheduler.
        .target(name: "Mesh", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "Pipeline",
            dependencies: [
                "LibAV", "Profiles",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Relay",
            dependencies: [
                "Chunker", "Adaptation", "CLinuxEvents",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Edge",
            dependencies: [
                "Pipeline", "Relay", "Profiles", "Mesh",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `mutstream chunk`: the command, its file reader and its output, shared by both executables.
        .target(
            name: "ChunkCLI",
            dependencies: ["Chunker", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `mutstream`: the light launcher. It runs `chunk` itself and execs `mutstream-media`
        // for every other command, so it must never depend on LibAV, Foundation or anything
        // that pulls them in (a test checks its libraries).
        .executableTarget(
            name: "mutstream",
            dependencies: ["ChunkCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `mutstream-media`: the whole command tree, with libav.
        .executableTarget(
            name: "mutstream-media",
            dependencies: [
                "Pipeline", "Profiles", "LibAV", "Chunker", "ChunkCLI", "Adaptation", "Edge",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "LibAVTests", dependencies: ["LibAV"]),
        .testTarget(name: "ChunkerTests", dependencies: ["Chunker"], resources: [.copy("Corpus")]),
        .testTarget(name: "ProfilesTests", dependencies: ["Profiles"]),
        .testTarget(name: "AdaptationTests", dependencies: ["Adaptation"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "LibAV", "Profiles"]),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "Chunker"]),
        .testTarget(name: "MeshTests", dependencies: ["Mesh"]),
        // The service's internals: the mesh client against a real peer (openssl s_server), and
        // what a box offers each downstream peer.
        .testTarget(
            name: "EdgeTests",
            dependencies: ["Edge", "Mesh", "Relay", .product(name: "NIOSSL", package: "swift-nio-ssl")]
        ),
        // Real `mutstream serve` processes pulling from each other over loopback sockets.
        .testTarget(name: "MeshServeTests", dependencies: ["Mesh"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Profiles"]),
    ]
)
