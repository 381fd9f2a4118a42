/// Facts about this build of the library.
public enum PrivateAggregationLibrary {
  /// The library's semantic version.
  public static let version = "0.1.0"
}
