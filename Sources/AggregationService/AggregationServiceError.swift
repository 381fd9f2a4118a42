public import PrivateAggregation

/// The errors of the aggregation service.
///
/// Each case says what failed and what would fit; none carries a secret (a key, a noise key, a
/// credential) or a client's data.
public enum AggregationServiceError: Error, Equatable, Sendable {
  /// The store could not do what was asked (`operation`); `reason` is the store's own message.
  case store(operation: String, reason: String)
  /// The store holds something this version cannot read: `what` names it.
  case corruptStore(what: String)
  /// No round with this id.
  case unknownRound(String)
  /// A round with this id exists already.
  case duplicateRound(String)
  /// The round is not running (it is `status`), so it takes no messages.
  case roundNotRunning(id: String, status: String)
  /// The round would take its population's ε from `spent` (what its ledger was charged, with
  /// the rounds it has reserved and not yet released) to `wouldBe`, above `budget`: it was
  /// refused before it started and nothing was charged.
  case budgetExceeded(population: String, budget: Double, spent: Double, wouldBe: Double)
  /// The population exists with another budget or δ; a population's budget and δ are fixed by
  /// its first round.
  case populationMismatch(population: String, expected: String)
  /// A message the round's server refused (it changed nothing).
  case refused(PrivateAggregationError)
  /// This in-memory round no longer matches its store (a write failed after the server had
  /// taken a message); make it again with ``DurableRound/resume(id:store:identityDirectory:)``.
  case mustResume(id: String)
  /// A parameter of the service (a store URL, say) that does not parse: `name` says which,
  /// `expected` what would.
  case invalidParameter(name: String, value: String, expected: String)
  /// The service answered a call with an error: its gRPC status `code` (as named by gRPC) and
  /// its message.
  case service(code: String, message: String)
  /// The service sent something this client cannot use (`what`).
  case unexpectedAnswer(what: String)
  /// The caller's task was cancelled.
  case cancelled
  /// Plaintext was asked for on `endpoint`, which is not a loopback address: anything but
  /// loopback needs TLS (a certificate and its private key).
  case plaintextOffLoopback(endpoint: String)
  /// A TLS file (`parameter`: which one, such as "TLS certificate") at `path` cannot be used:
  /// `problem` says why (never what the file holds).
  case unusableTLSFile(parameter: String, path: String, problem: String)
}

extension AggregationServiceError: CustomStringConvertible {
  /// A sentence that says what failed and what would fit.
  public var description: String {
    switch self {
    case .store(let operation, let reason):
      return "the store failed to \(operation): \(reason)"
    case .corruptStore(let what):
      return "the store holds an unreadable \(what)"
    case .unknownRound(let id):
      return "no round \(id)"
    case .duplicateRound(let id):
      return "round \(id) exists already; choose another id"
    case .roundNotRunning(let id, let status):
      return "round \(id) is \(status), not running"
    case .budgetExceeded(let population, let budget, let spent, let wouldBe):
      return
        "population \(population): the round would take ε from \(spent) to \(wouldBe), above "
        + "the budget \(budget); it was refused before it started"
    case .populationMismatch(let population, let expected):
      return "population \(population) has \(expected); use those, or another population"
    case .refused(let error):
      return "refused: \(error)"
    case .mustResume(let id):
      return "round \(id) must be resumed from its store"
    case .invalidParameter(let name, let value, let expected):
      return "invalid \(name) = \(value); expected \(expected)"
    case .service(let code, let message):
      return "the service answered \(code): \(message)"
    case .unexpectedAnswer(let what):
      return "the service sent \(what)"
    case .cancelled:
      return "cancelled"
    case .plaintextOffLoopback(let endpoint):
      return
        "\(endpoint) is not a loopback address, and plaintext is allowed on loopback only: "
        + "pass a TLS certificate and its private key (and, to require client certificates, "
        + "a TLS client certificate authority), or use 127.0.0.1, ::1 or localhost"
    case .unusableTLSFile(let parameter, let path, let problem):
      return "the \(parameter) at \(path) \(problem)"
    }
  }
}
