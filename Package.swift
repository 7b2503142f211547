// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
func p(_ product: String, _ package: String) -> Target.Dependency { .product(name: product, package: package) }

let package = Package(
    name: "ocpp-tools",
    platforms: [.macOS(.v15)],  // ignored on Linux; Hummingbird needs macOS 14+
    products: ["ocpp-serve", "ocpp-ctl", "ocpp-sim", "ocpp-report", "ocpp-bench"].map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CReadline", path: "Sources/CReadline", providers: [.apt(["libreadline-dev"])]),
        .target(name: "Shared", swiftSettings: strict),
        .executableTarget(name: "ocpp-serve", dependencies: ["Shared", p("ArgumentParser", "swift-argument-parser")], swiftSettings: strict),
        .executableTarget(name: "ocpp-ctl", dependencies: ["Shared", p("ArgumentParser", "swift-argument-parser")], swiftSettings: strict),
        .executableTarget(name: "ocpp-sim", dependencies: ["Shared", p("ArgumentParser", "swift-argument-parser")], swiftSettings: strict),
        .executableTarget(name: "ocpp-report", dependencies: ["Shared", p("ArgumentParser", "swift-argument-parser")], swiftSettings: strict),
        // Prints hot-path figures for BENCHMARKS.md; run it in release mode (scripts/bench.sh).
        .executableTarget(name: "ocpp-bench", dependencies: ["Shared"], path: "Benchmarks/ocpp-bench", swiftSettings: strict),
        .testTarget(name: "SharedTests", dependencies: ["Shared", p("PropertyBased", "swift-property-based")], swiftSettings: strict),
    ]
)
