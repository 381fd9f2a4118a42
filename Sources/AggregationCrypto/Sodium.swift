internal import CSodium

/// Calls `sodium_init` once per process; every entry point that uses libsodium goes through it.
enum Sodium {
  /// `true` once libsodium is ready; `sodium_init` is thread-safe and idempotent, and Swift runs
  /// this global's initializer exactly once.
  private static let isReady: Bool = sodium_init() >= 0

  /// Makes sure libsodium is initialized.
  ///
  /// libsodium only fails to initialize when the system has no usable entropy source, which
  /// leaves no safe way to continue: every later key would be predictable.
  static func initialize() {
    guard isReady else {
      fatalError("libsodium failed to initialize: no secure randomness is available")
    }
  }
}
