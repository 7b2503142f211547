// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
func p(_ product: String, _ package: String) -> Target.Dependency { .product(name: product, package: package) }

let package = Package(
    name: "ocpp-tools",
    platforms: [.macOS(.v15)],  // ignored on Linux; Hummingbird needs macOS 14+
    products: ["ocpp-serve", "ocpp-ctl", "ocpp-sim", "ocpp-report", "ocpp-bench"].map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(name: "CReadline", path: "Sources/CReadline", providers: [.apt(["libreadline-dev"])]),
        // sqlite3_config is variadic, which Swift cannot call.
        .target(name: "CSQLiteTuning", dependencies: [p("GRDBSQLite", "GRDB.swift")]),
        .target(
            name: "Shared",
            dependencies: [
                p("Logging", "swift-log"), p("GRDB", "GRDB.swift"), p("GRDBSQLite", "GRDB.swift"), p("PostgresNIO", "postgres-nio"),
                p("NIOCore", "swift-nio"), p("NIOPosix", "swift-nio"),
                // Certificate hash data (security extension) is computed alike by ocpp-ctl, ocpp-sim and the tests.
                p("X509", "swift-certificates"), p("SwiftASN1", "swift-asn1"), p("Crypto", "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ocpp-serve",
            dependencies: [
                "Shared", "CSQLiteTuning", p("ArgumentParser", "swift-argument-parser"), p("Hummingbird", "hummingbird"),
                p("HTTPTypes", "swift-http-types"), p("NIOCore", "swift-nio"), p("NIOPosix", "swift-nio"), p("NIOHTTP1", "swift-nio"),
                p("NIOWebSocket", "swift-nio"), p("Logging", "swift-log"), p("ServiceLifecycle", "swift-service-lifecycle"), p("UnixSignals", "swift-service-lifecycle"),
                p("GRDB", "GRDB.swift"), p("GRDBSQLite", "GRDB.swift"), p("Yams", "Yams"), p("Crypto", "swift-crypto"), p("CryptoExtras", "swift-crypto"),
                p("Metrics", "swift-metrics"), p("CoreMetrics", "swift-metrics"), p("Prometheus", "swift-prometheus"),
                p("AsyncHTTPClient", "async-http-client"), p("NIOSSL", "swift-nio-ssl"), p("HummingbirdTLS", "hummingbird"), p("HummingbirdCore", "hummingbird"),
                p("X509", "swift-certificates"), p("SwiftASN1", "swift-asn1"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ocpp-ctl",
            dependencies: [
                "Shared", "CReadline", p("ArgumentParser", "swift-argument-parser"), p("AsyncHTTPClient", "async-http-client"),
                p("NIOCore", "swift-nio"), p("NIOHTTP1", "swift-nio"), p("Logging", "swift-log"), p("NIOSSL", "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ocpp-sim",
            dependencies: [
                "Shared", p("ArgumentParser", "swift-argument-parser"), p("HummingbirdWSClient", "hummingbird-websocket"), p("HTTPTypes", "swift-http-types"),
                p("Logging", "swift-log"), p("NIOWebSocket", "swift-nio"), p("UnixSignals", "swift-service-lifecycle"), p("Yams", "Yams"),
                p("NIOSSL", "swift-nio-ssl"), p("X509", "swift-certificates"), p("SwiftASN1", "swift-asn1"), p("Crypto", "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ocpp-report", dependencies: ["Shared", p("ArgumentParser", "swift-argument-parser"), p("Logging", "swift-log")], swiftSettings: strict
        ),
        // Prints hot-path figures for BENCHMARKS.md; run it in release mode (scripts/bench.sh).
        .executableTarget(
            name: "ocpp-bench",
            dependencies: [
                "Shared", p("HummingbirdWSClient", "hummingbird-websocket"), p("HTTPTypes", "swift-http-types"), p("Logging", "swift-log"),
                p("GRDB", "GRDB.swift"), p("CryptoExtras", "swift-crypto"),
            ],
            path: "Benchmarks/ocpp-bench",
            swiftSettings: strict
        ),
        // The throwaway PostgreSQL cluster and the store parameter, for every test target that runs on both engines.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "SharedTests", dependencies: ["Shared", p("GRDB", "GRDB.swift"), p("PropertyBased", "swift-property-based")], swiftSettings: strict),
        // Depending on the executables makes `swift test` build them; end-to-end tests start the real binaries.
        .testTarget(
            name: "ocpp-serveTests",
            dependencies: [
                "ocpp-serve", "ocpp-ctl", "ocpp-sim", "ocpp-report", "Shared", "TestSupport", p("GRDB", "GRDB.swift"), p("HummingbirdWSClient", "hummingbird-websocket"),
                p("HTTPTypes", "swift-http-types"), p("Logging", "swift-log"), p("AsyncHTTPClient", "async-http-client"),
                p("NIOCore", "swift-nio"), p("NIOEmbedded", "swift-nio"), p("NIOHTTP1", "swift-nio"), p("NIOWebSocket", "swift-nio"), p("NIOPosix", "swift-nio"),
                p("NIOSSL", "swift-nio-ssl"), p("X509", "swift-certificates"), p("SwiftASN1", "swift-asn1"), p("Crypto", "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ocpp-simTests",
            dependencies: [
                "ocpp-sim", "Shared", p("NIOSSL", "swift-nio-ssl"), p("X509", "swift-certificates"), p("SwiftASN1", "swift-asn1"),
                p("Crypto", "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ocpp-reportTests", dependencies: ["ocpp-report", "Shared", "TestSupport", p("GRDB", "GRDB.swift"), p("Logging", "swift-log")],
            swiftSettings: strict
        ),
    ]
)
