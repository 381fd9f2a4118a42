public import GRPCCore
import NIOSSL

/// How a client retries a call that failed for a reason that passes: exponential back-off
/// with full jitter, on `unavailable`, `deadlineExceeded`, `resourceExhausted` and `aborted`.
///
/// A TLS handshake the client refused (the server's certificate is not signed by a trusted
/// authority, or names another host) also arrives as `unavailable`, but it does not pass:
/// it is thrown at once, as ``AggregationServiceError/service(code:message:)`` saying so.
public struct RetryPolicy: Sendable {
  /// The first back-off.
  public var initialBackoff: Duration = .milliseconds(100)
  /// The longest back-off.
  public var maximumBackoff: Duration = .seconds(5)
  /// How long a call is retried before its error is thrown.
  public var giveUpAfter: Duration = .seconds(300)

  /// The defaults: 100 ms doubling to 5 s, for at most 5 minutes.
  public init() {}

  /// Whether a call that failed with `code` is worth retrying.
  public static func isTransient(_ code: RPCError.Code) -> Bool {
    switch code {
    case .unavailable, .deadlineExceeded, .resourceExhausted, .aborted: return true
    default: return false
    }
  }

  /// Whether `error` comes from a TLS handshake that failed (a certificate that does not
  /// verify, or a host name it does not carry): retrying gets the same answer.
  static func isRefusedHandshake(_ error: RPCError) -> Bool {
    var cause = error.cause
    // Causes nest (an RPCError may wrap another); a handful of levels is plenty.
    for _ in 0..<8 {
      switch cause {
      case let ssl as NIOSSLError:
        if case .handshakeFailed = ssl { return true }
        return false
      case is NIOSSLExtraError:
        return true
      case let wrapped as RPCError:
        cause = wrapped.cause
      default:
        return false
      }
    }
    return false
  }

  /// Runs `call` until it succeeds, fails for good, the policy gives up or the task is
  /// cancelled.
  func run<Result: Sendable>(_ call: () async throws -> Result)
    async throws(AggregationServiceError) -> Result
  {
    let clock = ContinuousClock()
    let start = clock.now
    var backoff = initialBackoff
    while true {
      do {
        return try await call()
      } catch let error as RPCError {
        guard !Task.isCancelled else { throw .cancelled }
        if Self.isRefusedHandshake(error) {
          throw .service(
            code: "\(error.code)",
            message: "the TLS handshake failed: the server's certificate is not trusted or "
              + "does not name this server (check the trust roots and the server name); "
              + "not retried")
        }
        guard Self.isTransient(error.code), clock.now - start < giveUpAfter else {
          throw .service(code: "\(error.code)", message: error.message)
        }
      } catch is CancellationError {
        throw .cancelled
      } catch let error as AggregationServiceError {
        throw error
      } catch {
        throw .unexpectedAnswer(what: "an error of another kind (\(type(of: error)))")
      }
      guard !Task.isCancelled else { throw .cancelled }
      let scale = Double.random(in: 0...1)
      do {
        try await Task.sleep(for: backoff * scale)
      } catch {
        throw .cancelled
      }
      backoff = min(backoff * 2, maximumBackoff)
    }
  }
}
