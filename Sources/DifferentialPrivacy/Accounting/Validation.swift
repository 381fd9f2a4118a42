/// Parameter checks shared by the accountants; each throws
/// ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` naming what would fit.
enum Validation {
  /// Requires a finite value strictly greater than zero.
  static func positive(_ value: Double, _ name: String) throws(DifferentialPrivacyError) {
    guard value.isFinite, value > 0 else {
      throw .invalidParameter(name: name, value: "\(value)", expected: "a finite number > 0")
    }
  }

  /// Requires a finite value of at least zero.
  static func nonNegative(_ value: Double, _ name: String) throws(DifferentialPrivacyError) {
    guard value.isFinite, value >= 0 else {
      throw .invalidParameter(name: name, value: "\(value)", expected: "a finite number ≥ 0")
    }
  }

  /// Requires a δ strictly between 0 and 1.
  static func delta(_ value: Double) throws(DifferentialPrivacyError) {
    guard value > 0, value < 1 else {
      throw .invalidParameter(name: "delta", value: "\(value)", expected: "0 < δ < 1")
    }
  }

  /// Requires a sampling rate in [0, 1].
  static func samplingRate(_ value: Double) throws(DifferentialPrivacyError) {
    guard value >= 0, value <= 1 else {
      throw .invalidParameter(name: "samplingRate", value: "\(value)", expected: "0 ≤ q ≤ 1")
    }
  }

  /// Requires a Rényi order strictly greater than 1 (and finite).
  static func order(_ value: Double) throws(DifferentialPrivacyError) {
    guard value.isFinite, value > 1 else {
      throw .invalidParameter(name: "order", value: "\(value)", expected: "a finite order α > 1")
    }
  }

  /// Requires a count of at least `minimum`.
  static func count(_ value: Int, _ name: String, minimum: Int) throws(DifferentialPrivacyError) {
    guard value >= minimum else {
      throw .invalidParameter(name: name, value: "\(value)", expected: "an integer ≥ \(minimum)")
    }
  }
}
