// swift-tools-version: 6.1
// The swift-private-aggregation package: secure aggregation with differential privacy.

import PackageDescription

import class Foundation.ProcessInfo

let strictSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
  .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
  name: "swift-private-aggregation",
  products: [
    .library(name: "SecureAggregation", targets: ["SecureAggregation"]),
    .library(name: "DifferentialPrivacy", targets: ["DifferentialPrivacy"]),
    .library(name: "PrivateAggregation", targets: ["PrivateAggregation"]),
    .library(name: "AggregationService", targets: ["AggregationService"]),
    .executable(name: "private-aggregation", targets: ["PrivateAggregationCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    // The service only: storage (linking PrivateAggregation alone pulls none of these).
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    // The service only: gRPC (linking PrivateAggregation alone pulls none of these).
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
    // The service only: TLS, metrics and their Prometheus exposition.
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    // The service only: logging and graceful shutdown.
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"])]
    ),
    // glibc's malloc tuning, for the command's large message buffers (Linux only).
    .systemLibrary(name: "CMalloc"),
    .systemLibrary(
      name: "CSodium",
      pkgConfig: "libsodium",
      providers: [.apt(["libsodium-dev"])]
    ),
    .target(
      name: "AggregationCrypto",
      dependencies: ["CSodium"],
      swiftSettings: strictSettings
    ),
    .target(
      name: "SecureAggregation",
      dependencies: [
        "AggregationCrypto",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      swiftSettings: strictSettings
    ),
    .target(
      name: "DifferentialPrivacy",
      dependencies: ["AggregationCrypto"],
      swiftSettings: strictSettings
    ),
    .target(
      name: "PrivateAggregation",
      dependencies: ["SecureAggregation", "DifferentialPrivacy"],
      swiftSettings: strictSettings
    ),
    // The digits, the model and the federated training loop: shared by the FederatedDigits
    // example and `private-aggregation tradeoff --task digits`. Not a product: a support target,
    // as swift-homomorphic-encryption's `_TestUtilities`. The data are its resource.
    .target(
      name: "DigitsTraining",
      dependencies: ["PrivateAggregation", "CZlib"],
      exclude: ["Resources/README.md"],
      resources: [.copy("Resources/digits.csv.gz")],
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "PrivateAggregationCLI",
      dependencies: [
        "PrivateAggregation",
        "SecureAggregation",
        "DifferentialPrivacy",
        "DigitsTraining",
        "AggregationService",
        "AggregationCrypto",
        .target(name: "CMalloc", condition: .when(platforms: [.linux])),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ],
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "QuickStart",
      dependencies: ["PrivateAggregation"],
      path: "Examples/QuickStart",
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "FederatedDigits",
      dependencies: [
        "DigitsTraining",
        "PrivateAggregation",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Examples/FederatedDigits",
      swiftSettings: strictSettings
    ),
    .executableTarget(
      name: "NetworkFreeRound",
      dependencies: ["PrivateAggregation"],
      path: "Examples/NetworkFreeRound",
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "AggregationCryptoTests",
      dependencies: ["AggregationCrypto"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "SecureAggregationTests",
      dependencies: ["SecureAggregation", "AggregationCrypto"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "DifferentialPrivacyTests",
      dependencies: ["DifferentialPrivacy", "AggregationCrypto"],
      // The Python drivers that produced the accountant tests' reference values.
      exclude: ["Accounting/References"],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "PrivateAggregationCLITests",
      dependencies: [
        "PrivateAggregationCLI", "AggregationService", "AggregationCrypto",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "DigitsTrainingTests",
      dependencies: ["DigitsTraining", "PrivateAggregation"],
      swiftSettings: strictSettings
    ),
    // The deployment shape: durable rounds and the privacy ledger in a store (issue 15).
    .target(
      name: "AggregationService",
      dependencies: [
        "PrivateAggregation",
        "SecureAggregation",
        "AggregationCrypto",
        .product(name: "SQLiteNIO", package: "sqlite-nio"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "AggregationServiceTests",
      dependencies: [
        "AggregationService", "PrivateAggregation", "AggregationCrypto",
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        .product(name: "MetricsTestKit", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      // Test-only certificates and keys (Scripts/make-test-certificates.sh writes them).
      exclude: ["Certificates/README.md"],
      resources: [.copy("Certificates/pem")],
      swiftSettings: strictSettings
    ),
    .testTarget(
      name: "PrivateAggregationTests",
      dependencies: ["PrivateAggregation", "SecureAggregation", "DifferentialPrivacy"],
      swiftSettings: strictSettings
    ),
  ]
)

// MARK: - Benchmarks
//
// Benchmarks build only when PRIVATE_AGGREGATION_BENCHMARKS=1, so `swift build` and `swift test`
// never resolve or compile package-benchmark. Run them with
// `PRIVATE_AGGREGATION_BENCHMARKS=1 swift package benchmark`.
if ProcessInfo.processInfo.environment["PRIVATE_AGGREGATION_BENCHMARKS"] == "1" {
  package.platforms = [.macOS(.v15)]
  package.dependencies.append(
    .package(
      url: "https://github.com/ordo-one/benchmark",
      from: "1.38.1",
      traits: ["MallocInterposer"]
    )
  )
  let benchmarks: [(name: String, dependencies: [Target.Dependency])] = [
    (name: "MaskGeneration", dependencies: ["AggregationCrypto"]),
    (name: "Samplers", dependencies: ["DifferentialPrivacy", "AggregationCrypto"]),
    (name: "Protocol", dependencies: ["SecureAggregation", "AggregationCrypto"]),
    (name: "Pipeline", dependencies: ["PrivateAggregation"]),
  ]
  for benchmark in benchmarks {
    package.targets.append(
      .executableTarget(
        name: benchmark.name,
        dependencies: benchmark.dependencies + [
          .product(name: "Benchmark", package: "benchmark")
        ],
        path: "Benchmarks/\(benchmark.name)",
        swiftSettings: strictSettings,
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
      )
    )
  }
}

// The README's and the DocC articles' code, compiled by `.ci/check-snippets` (which generates
// `.build-snippets/Sources` and sets this variable); not part of the package otherwise.
if ProcessInfo.processInfo.environment["PRIVATE_AGGREGATION_SNIPPETS"] == "1" {
  package.targets.append(
    .executableTarget(
      name: "DocumentationSnippets",
      dependencies: [
        "PrivateAggregation", "SecureAggregation", "DifferentialPrivacy", "DigitsTraining",
      ],
      path: ".build-snippets/Sources",
      swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-suppress-warnings"])]
    )
  )
}
