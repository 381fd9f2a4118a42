import Foundation
public import GRPCCore
import GRPCProtobuf
public import PrivateAggregation
import SecureAggregation

/// A device's side of the service: one call, ``contribute(update:weight:to:expecting:identity:)``, takes
/// part in a round from check-in to its end.
///
/// ```swift
/// try await withGRPCClient(transport: transport) { grpc in
///   let client = AggregationServiceClient(wrapping: grpc)
///   let outcome = try await client.contribute(update: update, to: credential)
/// }
/// ```
///
/// The client answers each protocol message once: a reply is computed once per phase and the
/// same bytes are sent again on every retry, which the server answers as a duplicate. Calls
/// that fail for a passing reason (the server restarting, say) are retried with back-off
/// (``RetryPolicy``); cancelling the task stops the contribution.
public struct AggregationServiceClient<Transport: ClientTransport>: Sendable {
  private let client: PrivateAggregation_Service_V1_AggregationService.Client<Transport>
  /// How failed calls are retried.
  public var retry: RetryPolicy
  /// How long each long-poll for the next message may wait on the server.
  public var pollWait: Duration = .seconds(10)
  /// Counts the protocol bytes this client sends and receives (load tools); `nil`: no count.
  package var traffic: TrafficCounter?
  /// Load tools: after answering this many phases the client stops, as a process killed
  /// there would, and ``contribute(update:weight:to:expecting:identity:)`` returns
  /// ``Outcome/dropped(answeredPhases:)`` at once; `nil`: it answers to the end.
  package var vanishAfterPhases: Int?

  /// A client that makes its calls on `client` (which the caller runs).
  public init(wrapping client: GRPCClient<Transport>, retry: RetryPolicy = RetryPolicy()) {
    self.client = .init(wrapping: client)
    self.retry = retry
  }

  /// How a contribution ended.
  public enum Outcome: Sendable, Equatable {
    /// The round finished with this client's update in its sum.
    case finished(answeredPhases: Int)
    /// A phase closed without this client (it was late or gone) before its update was in
    /// the sum; the round went on without it.
    case dropped(answeredPhases: Int)
    /// The round ended without a release: ``RoundStatus/refused`` (its population's budget
    /// could not pay) or ``RoundStatus/failed`` (too few clients).
    case ended(RoundStatus, answeredPhases: Int)
  }

  /// Takes part in the round `credential` names with `update`: checks in, answers every
  /// protocol message the server sends this client, and returns when the round is over for it.
  ///
  /// - Parameters:
  ///   - update: this client's update (the plan's dimension of finite values).
  ///   - weight: its weight, for weighted rounds.
  ///   - credential: the round and this client's bearer token.
  ///   - configuration: the configuration this client agreed to; when given, a round whose
  ///     server announces another one is refused before anything is sent.
  ///   - identity: active mode (required then): this client's identity key and every
  ///     participant's identity public key, from the caller's own directory, never from the
  ///     server; the client checks the other clients' signatures against it.
  /// - Throws: ``AggregationServiceError/service(code:message:)`` for a call that failed for
  ///   good (a wrong credential: `unauthenticated`), ``AggregationServiceError/refused(_:)``
  ///   when this client cannot answer a message (or its update does not fit the plan),
  ///   ``AggregationServiceError/invalidParameter(name:value:expected:)`` for a configuration
  ///   other than `configuration`, ``AggregationServiceError/unexpectedAnswer(what:)`` and
  ///   ``AggregationServiceError/cancelled``.
  public func contribute(
    update: [Double], weight: Double = 1, to credential: RoundCredential,
    expecting configuration: PrivateAggregationConfiguration? = nil,
    identity: ClientIdentity? = nil
  ) async throws(AggregationServiceError) -> Outcome {
    let metadata = Credentials.metadata(bearer: credential.token)
    var checkIn = PrivateAggregation_Service_V1_CheckInRequest()
    checkIn.roundID = credential.roundID
    let checkedIn = try await retry.run {
      try await client.checkIn(checkIn, metadata: metadata)
    }
    guard
      let announced = try? JSONDecoder().decode(
        PrivateAggregationConfiguration.self, from: checkedIn.configurationJson)
    else { throw .unexpectedAnswer(what: "a configuration that does not decode") }
    if let configuration, configuration != announced {
      throw .invalidParameter(
        name: "configuration", value: "the server's",
        expected: "the configuration this client agreed to")
    }
    guard Int(checkedIn.participant) == credential.participant,
      let id = ParticipantID(credential.participant)
    else { throw .unexpectedAnswer(what: "another participant id") }
    if announced.securityMode == .active, identity == nil {
      throw .invalidParameter(
        name: "identity", value: "none",
        expected: "this client's identity key and the participants' directory (an active round)")
    }
    var participant: PrivateAggregationClient
    let plan: AggregationPlan
    do throws(PrivateAggregationError) {
      plan = try AggregationPlan(announced)
      participant = try PrivateAggregationClient(
        plan: plan, id: id, identityKey: identity?.key,
        identityDirectory: identity?.directory ?? [:], update: update, weight: weight)
    } catch {
      throw .refused(error)
    }

    var answered = 0
    // The reply to each phase, computed once and sent again as is on a retry.
    var replies: [Int: [UInt8]] = [:]
    while true {
      guard !Task.isCancelled else { throw .cancelled }
      if let vanishAfterPhases, answered >= vanishAfterPhases {
        return .dropped(answeredPhases: answered)
      }
      var next = PrivateAggregation_Service_V1_NextRequest()
      next.roundID = credential.roundID
      next.answeredPhases = UInt32(clamping: answered)
      next.waitMs = UInt32(clamping: max(pollWait.wholeMilliseconds, 0))
      let response = try await retry.run {
        try await client.next(next, metadata: metadata)
      }
      switch response.outcome {
      case .serverMessage(let data):
        traffic?.add(received: data.count)
        let phase = Int(response.phase)
        guard phase == answered + 1 else {
          throw .unexpectedAnswer(what: "a message for phase \(phase) after \(answered)")
        }
        let reply: [UInt8]
        if let cached = replies[phase] {
          reply = cached
        } else {
          do throws(PrivateAggregationError) {
            let message = try PrivateAggregationError.liftingProtocolError {
              () throws(SecureAggregationError) in
              try ServerMessage(serializedBytes: Array(data), configuration: plan.secureAggregation)
            }
            reply = try participant.respond(to: message).serializedBytes()
          } catch {
            throw .refused(error)
          }
          replies[phase] = reply
        }
        var submit = PrivateAggregation_Service_V1_SubmitRequest()
        submit.roundID = credential.roundID
        submit.clientMessage = Data(reply)
        do {
          _ = try await retry.run { try await countedSubmit(submit, metadata: metadata) }
          answered = phase
        } catch .service(let code, _) where code == "\(RPCError.Code.failedPrecondition)" {
          // The phase closed before the reply arrived: the next Next says dropped.
          continue
        }
      case .pending, .none:
        continue
      case .dropped:
        return .dropped(answeredPhases: answered)
      case .ended(let status):
        switch status {
        case .finished: return .finished(answeredPhases: answered)
        case .refused: return .ended(.refused, answeredPhases: answered)
        case .failed: return .ended(.failed, answeredPhases: answered)
        default: throw .unexpectedAnswer(what: "an unknown round status")
        }
      }
    }
  }

  /// Submit, its protocol bytes counted in `traffic` (every attempt).
  private func countedSubmit(
    _ request: PrivateAggregation_Service_V1_SubmitRequest, metadata: Metadata
  ) async throws -> PrivateAggregation_Service_V1_SubmitResponse {
    traffic?.add(sent: request.clientMessage.count)
    return try await client.submit(request, metadata: metadata)
  }
}
