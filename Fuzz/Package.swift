// swift-tools-version: 6.1
// libFuzzer targets for the decoders of swift-private-aggregation that take remote bytes.
// A package of its own so that the root package's `swift build` / `swift test` never see the
// fuzzer flags. Build and run with ./run.sh (see README.md).

import PackageDescription

import struct Foundation.URL

// A path dependency's identity is the name of its folder, which differs between checkouts
// (swift-private-aggregation, main, ...): derive it from where this manifest lives.
let rootIdentity = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let secureAggregation: Target.Dependency = .product(
  name: "SecureAggregation", package: rootIdentity)

let settings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let fuzzTargets = ["FuzzClientMessage", "FuzzServerMessage", "FuzzPackedVector", "FuzzSecretShare"]

let package = Package(
  name: "swift-private-aggregation-fuzz",
  dependencies: [.package(path: "..")],
  targets: [
    // The configurations, the input reader and the failure trap the targets and FuzzSeeds share.
    .target(name: "FuzzSupport", dependencies: [secureAggregation], swiftSettings: settings),
    // Declares libFuzzer's LLVMFuzzerRunDriver, which -sanitize=fuzzer links in.
    .systemLibrary(name: "CLibFuzzer"),
    // Writes a deterministic seed corpus of valid encodings (built without the fuzzer flags).
    .executableTarget(
      name: "FuzzSeeds", dependencies: ["FuzzSupport", secureAggregation], swiftSettings: settings),
  ]
    + fuzzTargets.map { name in
      .executableTarget(
        name: name, dependencies: ["CLibFuzzer", "FuzzSupport", secureAggregation],
        swiftSettings: settings)
    }
)
