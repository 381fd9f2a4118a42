import PrivateAggregation
import Testing

@Suite struct PrivateAggregationLibraryTests {
  @Test func versionIsSemantic() {
    let parts = PrivateAggregationLibrary.version.split(separator: ".")
    #expect(parts.count == 3)
    #expect(parts.allSatisfy { Int($0) != nil })
  }

  @Test func errorsNameTheParameter() {
    let error = PrivateAggregationError.invalidParameter(
      name: "clipBound", value: "0", expected: "a finite value > 0")
    #expect(error.description.contains("clipBound"))
  }
}
