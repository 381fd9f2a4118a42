import GRPCCore
import PrivateAggregation
import SecureAggregation

/// What a call tells its caller when it fails: a gRPC status code and a message that says what
/// failed and carries no secret (no credential, key or client data).
struct ServiceFault: Error, Equatable {
  /// The status code.
  let code: RPCError.Code
  /// The message.
  let message: String

  init(code: RPCError.Code, message: String) {
    self.code = code
    self.message = message
  }

  static func unauthenticated(_ message: String) -> ServiceFault {
    ServiceFault(code: .unauthenticated, message: message)
  }
  static func permissionDenied(_ message: String) -> ServiceFault {
    ServiceFault(code: .permissionDenied, message: message)
  }
  static func invalidArgument(_ message: String) -> ServiceFault {
    ServiceFault(code: .invalidArgument, message: message)
  }
  static func failedPrecondition(_ message: String) -> ServiceFault {
    ServiceFault(code: .failedPrecondition, message: message)
  }
  static func resourceExhausted(_ message: String) -> ServiceFault {
    ServiceFault(code: .resourceExhausted, message: message)
  }
  static func notFound(_ message: String) -> ServiceFault {
    ServiceFault(code: .notFound, message: message)
  }

  /// The status and message of a service error. A store's own message stays in the server
  /// (it may name files); the caller is told to retry.
  init(_ error: AggregationServiceError) {
    switch error {
    case .store, .mustResume:
      self.init(code: .unavailable, message: "the service's store is unavailable; retry")
    case .corruptStore, .service, .unexpectedAnswer, .plaintextOffLoopback, .unusableTLSFile:
      self.init(code: .internalError, message: "the service cannot read its store")
    case .cancelled:
      self.init(code: .cancelled, message: "the call was cancelled")
    case .unknownRound(let id):
      self.init(code: .notFound, message: "no round \(id)")
    case .duplicateRound:
      self.init(code: .alreadyExists, message: error.description)
    case .roundNotRunning:
      self.init(code: .failedPrecondition, message: error.description)
    case .budgetExceeded:
      self.init(code: .resourceExhausted, message: error.description)
    case .populationMismatch, .invalidParameter:
      self.init(code: .invalidArgument, message: error.description)
    case .refused(let refusal):
      switch refusal {
      case .secureAggregation(.duplicateParticipant):
        // Other bytes from a client that already answered this phase: equivocation.
        self.init(code: .alreadyExists, message: error.description)
      case .secureAggregation(.unexpectedMessage), .secureAggregation(.sessionMismatch):
        self.init(code: .failedPrecondition, message: error.description)
      default:
        self.init(code: .invalidArgument, message: error.description)
      }
    }
  }

  /// The error gRPC sends.
  var rpcError: RPCError { RPCError(code: code, message: message) }
}
