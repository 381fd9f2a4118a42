import AggregationCrypto
import AggregationService
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// `HOST:PORT` from the command line as a ``ServiceEndpoint``; the error names `flag`.
func endpoint(parsing text: String, flag: String) throws(ValidationError) -> ServiceEndpoint {
  do {
    return try ServiceEndpoint(parsing: text, parameterName: flag)
  } catch {
    throw ValidationError("\(error)")
  }
}

/// Refuses plaintext to or from a non-loopback `endpoint`, naming `flag` and the TLS flags.
func requirePlaintextOnLoopback(
  _ endpoint: ServiceEndpoint, flag: String, tlsFlags: String
) throws(ValidationError) {
  guard endpoint.isLoopback else {
    throw ValidationError(
      "\(flag) \(endpoint): plaintext is served and used on loopback addresses only "
        + "(127.0.0.0/8, ::1, localhost); a non-loopback address needs TLS (\(tlsFlags))")
  }
}

/// The options every command that talks to a server has: `--server`, TLS, the operator token
/// and how long to retry an unreachable server.
struct ServerConnectionOptions: ParsableArguments {
  @Option(help: "The server, HOST:PORT (plaintext on loopback only; TLS with --tls).")
  var server: String

  @Flag(help: "Use TLS, trusting the system's roots (or --tls-trust-roots).")
  var tls = false

  @Option(help: "PEM file of the certificate authorities to trust (implies --tls).")
  var tlsTrustRoots: String?

  @Option(help: "The name the server's certificate must have, when not --server's host.")
  var tlsServerName: String?

  @Option(help: "PEM client certificate, for a server that asks for one (mutual TLS).")
  var tlsClientCertificate: String?

  @Option(help: "PEM private key of --tls-client-certificate.")
  var tlsClientKey: String?

  @Option(help: "How long to keep retrying an unreachable server, in seconds.")
  var retryFor = 30.0

  /// Whether the connection uses TLS.
  var usesTLS: Bool {
    tls || tlsTrustRoots != nil || tlsClientCertificate != nil || tlsServerName != nil
  }

  /// The connection's security from the flags.
  var security: ClientSecurity {
    guard usesTLS else { return .plaintext }
    return .tls(
      trustRootsPath: tlsTrustRoots, certificatePath: tlsClientCertificate,
      privateKeyPath: tlsClientKey, serverHostnameOverride: tlsServerName)
  }

  /// The parsed `--server`.
  func address() throws(ValidationError) -> ServiceEndpoint {
    let address = try endpoint(parsing: server, flag: "--server")
    if !usesTLS {
      try requirePlaintextOnLoopback(address, flag: "--server", tlsFlags: "--tls")
    }
    guard address.port > 0 else {
      throw ValidationError("--server \(server): the port must be 1...65535")
    }
    return address
  }

  func validate() throws {
    _ = try address()
    guard (tlsClientCertificate == nil) == (tlsClientKey == nil) else {
      throw ValidationError(
        "--tls-client-certificate and --tls-client-key: give both or neither")
    }
    guard retryFor.isFinite, retryFor >= 0 else {
      throw ValidationError("--retry-for \(retryFor): use a number of seconds ≥ 0")
    }
  }

  /// The client transport to `--server`, reconnecting every 100 ms to 1 s while the server is
  /// away (a server restarting comes back quickly).
  func clientTransport() throws -> HTTP2ClientTransport.Posix {
    try ServiceTransport.makeClient(
      connectingTo: try address(), security: security,
      config: .defaults {
        $0.backoff = .init(
          initial: .milliseconds(100), max: .seconds(1), multiplier: 1.6, jitter: 0.2)
      })
  }

  /// The retry policy: back-off from 100 ms to 1 s, for `--retry-for` seconds.
  var retryPolicy: AggregationService.RetryPolicy {
    var policy = AggregationService.RetryPolicy()
    policy.maximumBackoff = .seconds(1)
    policy.giveUpAfter = .milliseconds(Int64((retryFor * 1000).rounded()))
    return policy
  }
}

/// The operator's bearer token, kept in a file only its owner reads.
enum OperatorToken {
  /// The default `--operator-token-file`.
  static let defaultPath = "private-aggregation.operator-token"

  /// The token in `path` (surrounding white space ignored).
  static func read(from path: String) throws(ValidationError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw ValidationError(
        "--operator-token-file \(path): cannot read it (serve writes one when it starts "
          + "without it)")
    }
    let token = String(decoding: data, as: UTF8.self).trimmingCharacters(
      in: .whitespacesAndNewlines)
    guard !token.isEmpty else {
      throw ValidationError("--operator-token-file \(path): the file is empty")
    }
    return token
  }

  /// The token in `path`, or a new one (32 bytes from the system's secure generator, as hex)
  /// written there with mode 0600 when the file does not exist.
  ///
  /// - Returns: the token, and whether it was made now.
  static func readOrCreate(at path: String) throws -> (token: String, created: Bool) {
    if FileManager.default.fileExists(atPath: path) {
      return (try read(from: path), false)
    }
    let bytes = SecureBytes(randomCount: 32).unprotectedArray
    let token = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    try SecretFile.create(token + "\n", at: path, flag: "--operator-token-file")
    return (token, true)
  }
}

/// Files that hold secrets: created new, with mode 0600, never overwritten.
enum SecretFile {
  /// Writes `text` to a new file at `path` readable by its owner only.
  ///
  /// - Throws: a `ValidationError` naming `flag` when the file exists or cannot be written.
  static func create(_ text: String, at path: String, flag: String) throws(ValidationError) {
    var failure: ValidationError?
    Array(text.utf8).withUnsafeBytes { bytes in
      do throws(ValidationError) {
        try create(bytes, at: path, flag: flag)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
  }

  /// Writes `secret` to a new file at `path` readable by its owner only, from its wiped memory.
  ///
  /// - Throws: a `ValidationError` naming `flag` when the file exists or cannot be written.
  static func create(secret: SecureBytes, at path: String, flag: String)
    throws(ValidationError)
  {
    try secret.withUnsafeBytes { (bytes) throws(ValidationError) in
      try create(bytes, at: path, flag: flag)
    }
  }

  private static func create(_ bytes: UnsafeRawBufferPointer, at path: String, flag: String)
    throws(ValidationError)
  {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw ValidationError("\(flag) \(path): cannot create it (\(reason)); it must not exist")
    }
    defer { close(descriptor) }
    var offset = 0
    while offset < bytes.count {
      guard let base = bytes.baseAddress else { break }
      let written = write(descriptor, base + offset, bytes.count - offset)
      guard written > 0 else {
        throw ValidationError("\(flag) \(path): cannot write it")
      }
      offset += written
    }
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}

/// Seconds on the command line as a `Duration`.
func duration(seconds: Double) -> Duration {
  .milliseconds(Int64((seconds * 1000).rounded()))
}

/// Prints one JSON object with sorted keys.
func printJSON(_ fields: [String: Any]) throws {
  let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
  print(String(decoding: data, as: UTF8.self))
}

/// Writes `line` to standard error.
func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
