import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import PrivateAggregation
import Testing

@testable import AggregationService

/// The service over TLS and mutual TLS on loopback HTTP/2, and the policy that keeps plaintext
/// on loopback, with the test-only certificates of `Certificates/` (written by
/// `Scripts/make-test-certificates.sh`).
@Suite struct TransportSecurityTests {
  typealias Support = ServiceTestSupport

  /// The path of a test certificate or key (`ca.pem`, `server-key.pem`, …).
  static func pem(_ name: String) throws -> String {
    let folder = try #require(Bundle.module.url(forResource: "pem", withExtension: nil))
    return folder.appendingPathComponent(name).path
  }

  static func serverTLS(clientAuthority: String? = nil) throws -> ServerSecurity {
    .tls(
      certificateChainPath: try pem("server.pem"), privateKeyPath: try pem("server-key.pem"),
      clientCertificateAuthorityPath: try clientAuthority.map(pem))
  }

  /// One try only: a refused connection is an error at once, never a wait.
  static var oneTry: AggregationService.RetryPolicy {
    var policy = AggregationService.RetryPolicy()
    policy.giveUpAfter = .zero
    return policy
  }

  /// A service on 127.0.0.1 (any free port) with `security`, made by `ServiceTransport`.
  static func startServer(security: ServerSecurity, store: any RoundStore) async throws
    -> ServiceRestartTests.RunningServer
  {
    let transport = try ServiceTransport.makeServer(
      listeningOn: try ServiceEndpoint(parsing: "127.0.0.1:0"), security: security)
    let service = RoundService(
      store: store, operatorToken: Support.operatorToken, limits: Support.limits)
    let server = GRPCServer(transport: transport, services: [service])
    let serving = Task { try await server.serve() }
    let deadlines = Task { try await service.run() }
    let port = try #require(try await transport.listeningAddress.ipv4?.port)
    return ServiceRestartTests.RunningServer(
      server: server, serving: serving, deadlines: deadlines, port: port)
  }

  /// Runs `body` with a server of `security` and a store, then tears both down.
  static func withServer(
    security: ServerSecurity, _ body: (Int) async throws -> Void
  ) async throws {
    let path = Support.storePath()
    defer { try? FileManager.default.removeItem(atPath: path) }
    let store = try await SQLiteRoundStore.open(path: path)
    let server = try await startServer(security: security, store: store)
    do {
      try await body(server.port)
    } catch {
      await server.tearDown()
      await store.close()
      throw error
    }
    await server.tearDown()
    await store.close()
  }

  /// Creates a round `id` as the operator through a client of `security`, trying once.
  static func createRound(
    port: Int, host: String = "127.0.0.1", security: ClientSecurity, id: String
  ) async throws -> [RoundCredential] {
    let transport = try ServiceTransport.makeClient(
      connectingTo: try ServiceEndpoint(host: host, port: port), security: security)
    return try await withGRPCClient(transport: transport) { grpc in
      try await OperatorClient(
        wrapping: grpc, operatorToken: Support.operatorToken, retry: oneTry
      ).createRound(id: id, configuration: Support.configuration(), phaseDeadline: .seconds(30))
    }
  }

  /// Whether `body` fails with the service error `unavailable`: the connection was refused
  /// (no handshake), not a call that the service answered.
  static func isRefusedConnection(_ body: () async throws -> Void) async -> Bool {
    do {
      try await body()
      return false
    } catch let error as AggregationServiceError {
      guard case .service(let code, _) = error else { return false }
      return code == "\(RPCError.Code.unavailable)"
    } catch {
      return false
    }
  }

  // MARK: Rounds over TLS

  /// Eight clients contribute over TLS (each through its own connection, trusting the test
  /// CA and checking the server's certificate against 127.0.0.1): the round releases the
  /// exact sum of the eight.
  @Test func aRoundOverTLSGivesTheExactSum() async throws {
    let trust = ClientSecurity.tls(trustRootsPath: try Self.pem("ca.pem"))
    try await Self.withServer(security: try Self.serverTLS()) { port in
      let credentials = try await Self.createRound(port: port, security: trust, id: "tls")
      let endpoint = try ServiceEndpoint(host: "127.0.0.1", port: port)
      let outcomes = try await withThrowingTaskGroup(
        of: AggregationServiceClient<HTTP2ClientTransport.Posix>.Outcome.self
      ) { group in
        for credential in credentials {
          group.addTask {
            let transport = try ServiceTransport.makeClient(connectingTo: endpoint, security: trust)
            return try await withGRPCClient(transport: transport) { grpc in
              try await AggregationServiceClient(wrapping: grpc).contribute(
                update: Support.update(credential.participant), to: credential)
            }
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(outcomes == Array(repeating: .finished(answeredPhases: 4), count: 8))
      let transport = try ServiceTransport.makeClient(connectingTo: endpoint, security: trust)
      try await withGRPCClient(transport: transport) { grpc in
        let report = try await OperatorClient(wrapping: grpc, operatorToken: Support.operatorToken)
          .report(of: "tls", wait: .seconds(10))
        #expect(report.status == .finished)
        try Support.expectExactSum(report.release, survivors: Array(1...8))
      }
    }
  }

  /// A client that trusts only an unrelated CA refuses the server's certificate: its call
  /// fails as `unavailable` at once, and nothing was created (a trusting client then creates
  /// the same round id).
  @Test func aClientTrustingAnotherAuthorityCannotConnect() async throws {
    try await Self.withServer(security: try Self.serverTLS()) { port in
      let other = ClientSecurity.tls(trustRootsPath: try Self.pem("other-ca.pem"))
      #expect(
        await Self.isRefusedConnection {
          _ = try await Self.createRound(port: port, security: other, id: "r")
        })
      let trusting = ClientSecurity.tls(trustRootsPath: try Self.pem("ca.pem"))
      let credentials = try await Self.createRound(port: port, security: trusting, id: "r")
      #expect(credentials.count == 8)
    }
  }

  /// A refused certificate is not retried: under a policy that would retry `unavailable` for
  /// a minute, a client trusting another authority fails at once (well within 10 s), with a
  /// message that names the TLS handshake. (Mutation: retrying it like any `unavailable`
  /// keeps the call going past 10 s and fails this test.)
  @Test func aRefusedCertificateIsNotRetried() async throws {
    try await Self.withServer(security: try Self.serverTLS()) { port in
      let other = ClientSecurity.tls(trustRootsPath: try Self.pem("other-ca.pem"))
      let transport = try ServiceTransport.makeClient(
        connectingTo: try ServiceEndpoint(host: "127.0.0.1", port: port), security: other)
      var patient = RetryPolicy()
      patient.initialBackoff = .milliseconds(50)
      patient.maximumBackoff = .milliseconds(200)
      patient.giveUpAfter = .seconds(60)
      let clock = ContinuousClock()
      let started = clock.now
      let attempt = Task {
        try await withGRPCClient(transport: transport) { grpc in
          _ = try await OperatorClient(
            wrapping: grpc, operatorToken: Support.operatorToken, retry: patient
          ).createRound(id: "r", configuration: Support.configuration())
        }
      }
      let watchdog = Task {
        try await Task.sleep(for: .seconds(10))
        attempt.cancel()
      }
      let result = await attempt.result
      watchdog.cancel()
      #expect(clock.now - started < .seconds(10))
      guard case .failure(let error as AggregationServiceError) = result,
        case .service(_, let message) = error
      else {
        Issue.record("expected a service error, got \(result)")
        return
      }
      #expect(message.contains("TLS handshake"))
    }
  }

  /// A plaintext client cannot talk to a TLS server.
  @Test func aPlaintextClientCannotTalkToATLSServer() async throws {
    try await Self.withServer(security: try Self.serverTLS()) { port in
      #expect(
        await Self.isRefusedConnection {
          _ = try await Self.createRound(port: port, security: .plaintext, id: "r")
        })
    }
  }

  /// The server's name is checked: against a certificate that names `localhost` only,
  /// a client connecting to 127.0.0.1 fails without a name, fails with a name the
  /// certificate does not carry, and succeeds with `serverHostnameOverride: "localhost"`.
  /// (Mutation: not setting the authority in `ServiceTransport.makeClient` fails this test.)
  @Test func theServerNameIsChecked() async throws {
    let ca = try Self.pem("ca.pem")
    let nameOnly = ServerSecurity.tls(
      certificateChainPath: try Self.pem("server-name-only.pem"),
      privateKeyPath: try Self.pem("server-name-only-key.pem"))
    try await Self.withServer(security: nameOnly) { port in
      #expect(
        await Self.isRefusedConnection {
          _ = try await Self.createRound(port: port, security: .tls(trustRootsPath: ca), id: "a")
        })
      let wrong = ClientSecurity.tls(trustRootsPath: ca, serverHostnameOverride: "other.example")
      #expect(
        await Self.isRefusedConnection {
          _ = try await Self.createRound(port: port, security: wrong, id: "b")
        })
      let right = ClientSecurity.tls(trustRootsPath: ca, serverHostnameOverride: "localhost")
      let credentials = try await Self.createRound(port: port, security: right, id: "c")
      #expect(credentials.count == 8)
    }
  }

  // MARK: Mutual TLS

  /// With a client certificate authority, the server refuses a client without a certificate
  /// and one whose certificate another CA signed, and serves one with the test client
  /// certificate. (Mutation: not setting `clientCertificateVerification` in
  /// `ServiceTransport.makeServer` lets the certificate-less client in and fails this test.)
  @Test func mutualTLSRequiresAClientCertificateFromTheAuthority() async throws {
    let ca = try Self.pem("ca.pem")
    try await Self.withServer(security: try Self.serverTLS(clientAuthority: "ca.pem")) { port in
      #expect(
        await Self.isRefusedConnection {
          _ = try await Self.createRound(port: port, security: .tls(trustRootsPath: ca), id: "a")
        })
      let stranger = ClientSecurity.tls(
        trustRootsPath: ca, certificatePath: try Self.pem("other-client.pem"),
        privateKeyPath: try Self.pem("other-client-key.pem"))
      #expect(
        await Self.isRefusedConnection {
          _ = try await Self.createRound(port: port, security: stranger, id: "b")
        })
      let member = ClientSecurity.tls(
        trustRootsPath: ca, certificatePath: try Self.pem("client.pem"),
        privateKeyPath: try Self.pem("client-key.pem"))
      let credentials = try await Self.createRound(port: port, security: member, id: "c")
      #expect(credentials.count == 8)
    }
  }

  // MARK: Policy

  /// Plaintext is refused off loopback, for servers and clients, before anything listens or
  /// connects; on 127.0.0.1, ::1 and localhost it is allowed. (Mutation: dropping the
  /// `isLoopback` guard in `ServiceTransport.makeServer` fails this test.)
  @Test func plaintextIsForLoopbackOnly() throws {
    for text in ["0.0.0.0:8443", "[::]:8443", "192.0.2.1:8443", "10.1.2.3:0"] {
      let endpoint = try ServiceEndpoint(parsing: text)
      #expect(!endpoint.isLoopback)
      #expect(throws: AggregationServiceError.plaintextOffLoopback(endpoint: text)) {
        _ = try ServiceTransport.makeServer(listeningOn: endpoint, security: .plaintext)
      }
      #expect(throws: AggregationServiceError.plaintextOffLoopback(endpoint: text)) {
        _ = try ServiceTransport.makeClient(connectingTo: endpoint, security: .plaintext)
      }
    }
    let remote = try ServiceEndpoint(parsing: "aggregation.example.org:443")
    #expect(
      throws: AggregationServiceError.plaintextOffLoopback(
        endpoint: "aggregation.example.org:443")
    ) {
      _ = try ServiceTransport.makeClient(connectingTo: remote, security: .plaintext)
    }
    let message = AggregationServiceError.plaintextOffLoopback(endpoint: "0.0.0.0:8443")
      .description
    #expect(message.contains("certificate") && message.contains("private key"))
    for text in ["127.0.0.1:0", "[::1]:0", "localhost:0", "127.0.0.2:0"] {
      let endpoint = try ServiceEndpoint(parsing: text)
      #expect(endpoint.isLoopback)
      _ = try ServiceTransport.makeServer(listeningOn: endpoint, security: .plaintext)
      _ = try ServiceTransport.makeClient(connectingTo: endpoint, security: .plaintext)
    }
  }

  /// TLS is allowed on every address: the policy refuses plaintext, not addresses.
  @Test func tlsIsAllowedOffLoopback() throws {
    let endpoint = try ServiceEndpoint(parsing: "0.0.0.0:0")
    _ = try ServiceTransport.makeServer(listeningOn: endpoint, security: try Self.serverTLS())
    _ = try ServiceTransport.makeClient(
      connectingTo: try ServiceEndpoint(parsing: "192.0.2.1:8443"),
      security: .tls(trustRootsPath: try Self.pem("ca.pem")))
  }

  /// A plaintext server on 127.0.0.1 serves (the policy lets loopback through).
  @Test func aPlaintextServerOnLoopbackServes() async throws {
    try await Self.withServer(security: .plaintext) { port in
      let credentials = try await Self.createRound(port: port, security: .plaintext, id: "p")
      #expect(credentials.count == 8)
    }
  }

  // MARK: Files

  /// A missing or wrong file, or a key that is not the certificate's, is a typed error naming
  /// the parameter and the path, never the file's contents; a certificate without its key is
  /// refused.
  @Test func unusableFilesAreTypedErrors() throws {
    let loopback = try ServiceEndpoint(parsing: "127.0.0.1:0")
    let missing = "/nonexistent/server.pem"
    let key = try Self.pem("server-key.pem")
    #expect {
      _ = try ServiceTransport.makeServer(
        listeningOn: loopback,
        security: .tls(certificateChainPath: missing, privateKeyPath: key))
    } throws: { error in
      guard case .unusableTLSFile(let parameter, let path, _) = error as? AggregationServiceError
      else { return false }
      return parameter == "TLS certificate" && path == missing
    }
    // A key where the certificate belongs, and a certificate where the key belongs.
    let certificate = try Self.pem("server.pem")
    #expect {
      _ = try ServiceTransport.makeServer(
        listeningOn: loopback, security: .tls(certificateChainPath: key, privateKeyPath: key))
    } throws: { error in
      guard case .unusableTLSFile(let parameter, _, _) = error as? AggregationServiceError
      else { return false }
      return parameter == "TLS certificate"
    }
    #expect {
      _ = try ServiceTransport.makeServer(
        listeningOn: loopback,
        security: .tls(certificateChainPath: certificate, privateKeyPath: certificate))
    } throws: { error in
      guard case .unusableTLSFile(let parameter, _, _) = error as? AggregationServiceError
      else { return false }
      return parameter == "TLS private key"
    }
    // A key that is not the certificate's.
    #expect(
      throws: AggregationServiceError.unusableTLSFile(
        parameter: "TLS private key", path: try Self.pem("client-key.pem"),
        problem: "does not hold the private key of the TLS certificate")
    ) {
      _ = try ServiceTransport.makeServer(
        listeningOn: loopback,
        security: .tls(
          certificateChainPath: certificate, privateKeyPath: try Self.pem("client-key.pem")))
    }
    #expect {
      _ = try ServiceTransport.makeClient(
        connectingTo: loopback,
        security: .tls(
          certificatePath: try Self.pem("client.pem"), privateKeyPath: key))
    } throws: { error in
      guard case .unusableTLSFile(let parameter, _, _) = error as? AggregationServiceError
      else { return false }
      return parameter == "TLS client private key"
    }
    // A file whose contents must not show in the error.
    let secret = FileManager.default.temporaryDirectory
      .appendingPathComponent("not-a-key-\(UUID().uuidString).pem").path
    try Data("SECRET-CONTENTS-0123456789".utf8).write(to: URL(fileURLWithPath: secret))
    defer { try? FileManager.default.removeItem(atPath: secret) }
    #expect {
      _ = try ServiceTransport.makeClient(
        connectingTo: loopback,
        security: .tls(
          trustRootsPath: try Self.pem("ca.pem"), certificatePath: certificate,
          privateKeyPath: secret))
    } throws: { error in
      guard case .unusableTLSFile(let parameter, let path, _) = error as? AggregationServiceError
      else { return false }
      return parameter == "TLS client private key" && path == secret
        && !"\(error)".contains("SECRET")
    }
    #expect {
      _ = try ServiceTransport.makeClient(
        connectingTo: loopback, security: .tls(certificatePath: certificate))
    } throws: { error in
      guard case .invalidParameter = error as? AggregationServiceError else { return false }
      return true
    }
  }

  // MARK: Endpoints

  /// `HOST:PORT` parses IPv4, bracketed IPv6 and names; anything else is a typed error
  /// naming the parameter.
  @Test func endpointsParse() throws {
    let cases: [(String, String, Int, Bool)] = [
      ("127.0.0.1:8443", "127.0.0.1", 8443, true),
      ("[::1]:8443", "::1", 8443, true),
      ("localhost:1", "localhost", 1, true),
      ("LOCALHOST:1", "LOCALHOST", 1, true),
      ("[::ffff:127.0.0.1]:2", "::ffff:127.0.0.1", 2, true),
      ("0.0.0.0:0", "0.0.0.0", 0, false),
      ("[::]:65535", "::", 65535, false),
      ("aggregation.example.org:443", "aggregation.example.org", 443, false),
      ("128.0.0.1:80", "128.0.0.1", 80, false),
    ]
    for (text, host, port, loopback) in cases {
      let endpoint = try ServiceEndpoint(parsing: text)
      #expect(endpoint.host == host)
      #expect(endpoint.port == port)
      #expect(endpoint.isLoopback == loopback, "\(text)")
      #expect(endpoint.description == text)
    }
    for text in [
      "", "127.0.0.1", "127.0.0.1:", ":8443", "::1:8443", "[::1]8443", "[::1", "host:65536",
      "host:-1", "host:+1", "host:80a", "bad host:80", "a..b:80", "-a:80", "[]:80",
      "host:0000000080",
    ] {
      #expect(throws: AggregationServiceError.self, "\(text)") {
        _ = try ServiceEndpoint(parsing: text, parameterName: "--listen")
      }
      do {
        _ = try ServiceEndpoint(parsing: text, parameterName: "--listen")
      } catch {
        guard case .invalidParameter(let name, _, _) = error else {
          Issue.record("\(text): \(error)")
          continue
        }
        #expect(name == "--listen")
      }
    }
    #expect(try ServiceEndpoint(host: "[::1]", port: 1).host == "::1")
  }
}
