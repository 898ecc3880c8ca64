// swift-tools-version:6.2
import PackageDescription

/// Berth: a container-orchestration control plane. Modules point inward:
/// berth (CLI) → BerthAPI / BerthControllers → BerthStore → BerthCore.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "berth",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
        .executable(name: "berth-bench", targets: ["berth-bench"]),
        .executable(name: "berth-init", targets: ["berth-init"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        .target(name: "BerthCore", exclude: ["README.md"], swiftSettings: strict),
        .target(
            name: "BerthStore",
            dependencies: [
                "BerthCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        .target(
            name: "BerthAPI",
            dependencies: [
                "BerthCore", "BerthStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        .target(
            name: "BerthControllers",
            dependencies: [
                "BerthCore", "BerthStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        // The DNS wire format (RFC 1035, 2782, 6891), with no dependency at all, so it fuzzes alone.
        .target(name: "BerthDNSWire", exclude: ["README.md"], swiftSettings: strict),
        // Berth's DNS server: the zone (pure), its encoded answers kept current by the change
        // hub, and the UDP/TCP listener on NIO.
        .target(
            name: "BerthDNS",
            dependencies: [
                "BerthCore", "BerthStore", "BerthDNSWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        // One way to start a child process (posix_spawn): streams, process group, descriptors,
        // signals, reaping, a run with a time limit. Foundation only.
        .target(name: "BerthProcess", exclude: ["README.md"], swiftSettings: strict),
        // The node's container network: a pure planner and an `ip`/`nft` executor.
        .target(name: "BerthNetwork", dependencies: ["BerthCore", "BerthProcess"], exclude: ["README.md"], swiftSettings: strict),
        // The kernel side of the linux driver (Foundation, BerthProcess and the bpf(2) shim), and the small init it spawns.
        .target(name: "BerthRuntime", dependencies: ["BerthProcess", "CBPF"], exclude: ["README.md"], swiftSettings: strict),
        // The bpf(2) calls of the cgroup v2 device filter, from the kernel's uapi header (Debian:
        // linux-libc-dev); no library to link.
        .systemLibrary(name: "CBPF", path: "Sources/CBPF", providers: [.apt(["linux-libc-dev"])]),
        // libseccomp's header and library (Debian: libseccomp-dev), for berth-init's filter.
        .systemLibrary(name: "CSeccomp", path: "Sources/CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .executableTarget(name: "berth-init", dependencies: ["CSeccomp"], swiftSettings: strict),
        .target(
            name: "BerthAgent",
            dependencies: [
                "BerthCore", "BerthClient", "BerthDNSWire", "BerthNetwork", "BerthProcess", "BerthRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        .target(
            name: "BerthLoadBalancer",
            dependencies: [
                "BerthCore", "BerthClient", "BerthProcess",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        .target(
            name: "BerthClient",
            dependencies: [
                "BerthCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .executableTarget(
            name: "berth",
            dependencies: [
                "CMalloc", "BerthCore", "BerthStore", "BerthAPI", "BerthClient", "BerthControllers", "BerthAgent", "BerthNetwork", "BerthLoadBalancer", "BerthDNS", "BerthProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "berth-bench",
            dependencies: [
                "BerthCore", "BerthStore", "BerthClient", "BerthControllers", "BerthAgent", "BerthDNSWire", "BerthHarness", "BerthLab", "BerthNetwork",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // What the tests and berth-bench share, with no test framework so berth-bench can link
        // it: the harness (child processes, a real `berth serve`, bounded waits, seeds, temporary
        // folders) and, on top of it, the network lab (namespaces, a cluster of agents in them).
        .target(name: "BerthHarness", dependencies: ["BerthClient", "BerthCore", "BerthProcess"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "BerthLab", dependencies: ["BerthClient", "BerthCore", "BerthHarness", "BerthNetwork"], exclude: ["README.md"], swiftSettings: strict),
        // The Swift Testing side of the harness (traits such as `.requires`), which every test target uses.
        .target(name: "BerthTesting", dependencies: ["BerthHarness"], path: "Tests/BerthTesting", swiftSettings: strict),
        .testTarget(name: "BerthCoreTests", dependencies: ["BerthCore", "BerthTesting"], swiftSettings: strict),
        .testTarget(name: "BerthStoreTests", dependencies: ["BerthCore", "BerthStore", "BerthTesting"], swiftSettings: strict),
        .testTarget(
            name: "BerthAPITests",
            dependencies: [
                "BerthCore", "BerthStore", "BerthAPI", "BerthClient", "BerthControllers", "BerthTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BerthControllersTests",
            dependencies: ["BerthCore", "BerthStore", "BerthControllers", "BerthTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BerthAgentTests",
            dependencies: [
                "BerthCore", "BerthClient", "BerthAgent", "BerthDNSWire", "BerthTesting", "berth-init",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "BerthDNSWireTests", dependencies: ["BerthDNSWire"], swiftSettings: strict),
        .testTarget(name: "BerthProcessTests", dependencies: ["BerthProcess", "BerthTesting"], swiftSettings: strict),
        .testTarget(
            name: "BerthDNSTests",
            dependencies: ["BerthCore", "BerthStore", "BerthControllers", "BerthDNS", "BerthDNSWire", "BerthTesting"],
            swiftSettings: strict
        ),
        .testTarget(name: "BerthNetworkTests", dependencies: ["BerthCore", "BerthLab", "BerthNetwork", "BerthTesting"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "BerthRuntimeTests", dependencies: ["BerthProcess", "BerthRuntime", "BerthTesting", "berth-init"], swiftSettings: strict),
        .testTarget(name: "BerthLoadBalancerTests", dependencies: ["BerthCore", "BerthClient", "BerthLoadBalancer", "BerthTesting"], swiftSettings: strict),
        // The data plane end to end: the built berth and berth-init in a NetworkLab (linux driver).
        .testTarget(name: "DataPlaneTests", dependencies: ["BerthClient", "BerthCore", "BerthLab", "BerthNetwork", "BerthTesting"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["BerthClient", "BerthTesting"], exclude: ["Fixtures"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
