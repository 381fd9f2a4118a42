import Foundation
import GRPCCore
import GRPCInProcessTransport
import PrivateAggregation
import SecureAggregation
import Testing

@testable import AggregationService

/// Active-security rounds through the service: the operator gives each participant's identity
/// public key when creating the round, the store keeps them, and the server checks every
/// signature against the stored keys, never against keys a message carries.
@Suite struct ActiveRoundServiceTests {
  typealias Support = ServiceTestSupport

  static func configuration() -> PrivateAggregationConfiguration {
    var configuration = Support.configuration()
    configuration.securityMode = .active
    return configuration
  }

  /// Eight identity keys from a fixed seed (the test's own PKI).
  static func identities() throws -> [ParticipantID: IdentityPrivateKey] {
    let source = RandomSource.insecureDeterministic(seed: 15)
    var keys: [ParticipantID: IdentityPrivateKey] = [:]
    for participant in 1...8 {
      let id = try #require(ParticipantID(participant))
      keys[id] = IdentityPrivateKey(from: source.child(label: "identity \(participant)"))
    }
    return keys
  }

  /// Eight clients with their identity keys give the exact sum of their updates.
  @Test func anActiveRoundGivesTheExactSum() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let configuration = Self.configuration()
    let keys = try Self.identities()
    let directory = keys.mapValues(\.publicKey)
    try await Support.withInProcessService(store: store) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "active", configuration: configuration, phaseDeadline: .seconds(20),
        identityDirectory: directory)
      let client = AggregationServiceClient(wrapping: grpc)
      let outcomes = try await withThrowingTaskGroup(
        of: AggregationServiceClient<InProcessTransport.Client>.Outcome.self
      ) { group in
        for credential in credentials {
          let id = try #require(ParticipantID(credential.participant))
          let identity = ClientIdentity(key: try #require(keys[id]), directory: directory)
          group.addTask {
            try await client.contribute(
              update: Support.update(credential.participant), to: credential,
              expecting: configuration, identity: identity)
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(outcomes == Array(repeating: .finished(answeredPhases: 5), count: 8))
      let report = try await operatorClient.report(of: "active", wait: .seconds(5))
      #expect(report.status == .finished)
      try Support.expectExactSum(report.release, survivors: Array(1...8))
    }
    await store.close()
  }

  /// Client 3's bearer token in the hands of an impostor who does not hold client 3's identity
  /// key: its signed key advertisement is refused against the stored directory (the key it
  /// carries in its message is not trusted), the phase closes without it, and the round
  /// releases the exact sum of the seven others. (Mutation: beginning the round without the
  /// stored directory lets the impostor in; the honest clients then refuse its signature and
  /// the round never finishes, so this test fails.)
  @Test func anImpostorWithAStolenTokenIsRefused() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let clock = TestClock()
    let configuration = Self.configuration()
    let keys = try Self.identities()
    let directory = keys.mapValues(\.publicKey)
    try await Support.withInProcessService(store: store, clock: clock) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "impostor", configuration: configuration, phaseDeadline: .seconds(4),
        identityDirectory: directory)
      let client = AggregationServiceClient(wrapping: grpc)
      let honest = credentials.filter { $0.participant != 3 }
      async let outcomes = withThrowingTaskGroup(
        of: AggregationServiceClient<InProcessTransport.Client>.Outcome.self
      ) { group in
        for credential in honest {
          let id = try #require(ParticipantID(credential.participant))
          let identity = ClientIdentity(key: try #require(keys[id]), directory: directory)
          group.addTask {
            try await client.contribute(
              update: Support.update(credential.participant), to: credential,
              expecting: configuration, identity: identity)
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      // The impostor signs with its own key, and believes the directory says so.
      let impostorKey = IdentityPrivateKey(from: RandomSource.insecureDeterministic(seed: 99))
      var forged = directory
      forged[try #require(ParticipantID(3))] = impostorKey.publicKey
      let impostor = ClientIdentity(key: impostorKey, directory: forged)
      let impostorRun = Task {
        () -> Result<
          AggregationServiceClient<InProcessTransport.Client>.Outcome, AggregationServiceError
        > in
        do throws(AggregationServiceError) {
          return .success(
            try await client.contribute(
              update: Support.update(3), to: credentials[2], identity: impostor))
        } catch {
          return .failure(error)
        }
      }
      defer { impostorRun.cancel() }
      // The seven advertise their keys; then the phase's deadline passes without client 3.
      var waited = 0
      while true {
        let report = try await operatorClient.report(of: "impostor")
        if report.phase == 1, report.answered == 7 { break }
        // A later phase before the deadline means all eight answered: the impostor was let in.
        try #require(report.phase <= 1, "the impostor's advertisement was accepted")
        waited += 1
        try #require(waited < 1000, "the seven never answered phase 1")
        try await Task.sleep(for: .milliseconds(20))
      }
      switch await impostorRun.value {
      case .success(let outcome):
        Issue.record("the impostor took part: \(outcome)")
      case .failure(.service(let code, _)):
        // Its signed key advertisement is refused by the server.
        #expect(code == "\(RPCError.Code.invalidArgument)")
      case .failure(let error):
        Issue.record("the impostor failed otherwise: \(error)")
      }
      clock.advance(by: .seconds(5))
      #expect(try await outcomes == Array(repeating: .finished(answeredPhases: 5), count: 7))
      let report = try await operatorClient.report(of: "impostor", wait: .seconds(5))
      #expect(report.status == .finished)
      try Support.expectExactSum(report.release, survivors: honest.map(\.participant))
    }
    await store.close()
  }

  /// The operator's directory is checked before a round is made: an active round needs a valid
  /// key for every participant and nothing else, a semi-honest round takes none.
  @Test func createRoundChecksTheDirectory() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let keys = try Self.identities()
    let directory = keys.mapValues(\.publicKey)
    try await Support.withInProcessService(store: store) { grpc in
      let api = Support.API(wrapping: grpc)
      func create(
        _ id: String, _ configuration: PrivateAggregationConfiguration,
        _ identityKeys: [UInt32: Data]
      ) async -> Bool {
        await Support.fails(with: .invalidArgument) {
          var request = PrivateAggregation_Service_V1_CreateRoundRequest()
          request.roundID = id
          request.configurationJson = try JSONEncoder().encode(configuration)
          request.identityKeys = identityKeys
          _ = try await api.createRound(request, metadata: Support.metadata(Support.operatorToken))
        }
      }
      var full: [UInt32: Data] = [:]
      for (id, key) in directory { full[UInt32(id.rawValue)] = Data(key.rawRepresentation) }
      #expect(await create("none", Self.configuration(), [:]))
      #expect(await create("seven", Self.configuration(), full.filter { $0.key != 8 }))
      #expect(
        await create("ninth", Self.configuration(), full.merging([9: full[1] ?? Data()]) { $1 }))
      #expect(
        await create("short", Self.configuration(), full.merging([4: Data(count: 31)]) { $1 }))
      // The identity point (all zeros but the sign) is of small order: not an identity.
      var identityPoint = Data(count: 32)
      identityPoint[0] = 1
      #expect(await create("weak", Self.configuration(), full.merging([4: identityPoint]) { $1 }))
      #expect(await create("semihonest", Support.configuration(), full))
      // The well-formed request is taken.
      #expect(!(await create("good", Self.configuration(), full)))
    }
    let stored = try #require(try await store.serviceRound("good"))
    #expect(stored.record.identityDirectory == directory)
    #expect(try await store.serviceRound("seven") == nil)
    await store.close()
  }

  /// A client of an active round without an identity stops before sending anything.
  @Test func anActiveClientNeedsAnIdentity() async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let keys = try Self.identities()
    try await Support.withInProcessService(store: store) { grpc in
      let operatorClient = OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
      let credentials = try await operatorClient.createRound(
        id: "anonymous", configuration: Self.configuration(),
        identityDirectory: keys.mapValues(\.publicKey))
      let client = AggregationServiceClient(wrapping: grpc)
      await #expect(throws: AggregationServiceError.self) {
        _ = try await client.contribute(update: Support.update(1), to: credentials[0])
      }
      let report = try await operatorClient.report(of: "anonymous")
      #expect(report.checkedIn == 1)
      #expect(report.phase == 0)
    }
    await store.close()
  }
}
