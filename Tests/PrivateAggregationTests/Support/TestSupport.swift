@testable import PrivateAggregation

/// The name of the `.invalidParameter` that `body` throws, or `nil` if it throws something else
/// or nothing.
func invalidParameterName(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch let error as PrivateAggregationError {
    if case .invalidParameter(let name, _, _) = error {
      return name
    }
    return nil
  } catch {
    return nil
  }
}
