import AggregationCrypto
import AggregationService
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// A `HOST:PORT` on the command line (`[::1]:PORT` for an IPv6 address).
struct ServiceAddress: Sendable, Equatable, CustomStringConvertible {
  /// The host, without brackets.
  let host: String
  /// The port, 0...65535 (0: any free port, for `serve --listen`).
  let port: Int

  /// Parses `text`; the error names `flag`.
  init(parsing text: String, flag: String) throws(ValidationError) {
    let expected = "\(flag) \(text): expected HOST:PORT (for example 127.0.0.1:7070 or [::1]:7070)"
    var host: Substring
    let portText: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]"),
        text[text.index(after: close)...].hasPrefix(":")
      else { throw ValidationError(expected) }
      host = text[text.index(after: text.startIndex)..<close]
      portText = text[text.index(close, offsetBy: 2)...]
    } else {
      guard let colon = text.lastIndex(of: ":") else { throw ValidationError(expected) }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
      guard !host.contains(":") else { throw ValidationError(expected) }
    }
    guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else {
      throw ValidationError(expected)
    }
    self.host = String(host)
    self.port = port
  }

  init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  /// Whether the host is a loopback address: `localhost`, 127.0.0.0/8 or `::1`.
  var isLoopback: Bool {
    if host.lowercased() == "localhost" { return true }
    if isIPv6 { return host == "::1" || host == "0:0:0:0:0:0:0:1" }
    let octets = host.split(separator: ".", omittingEmptySubsequences: false)
    guard octets.count == 4,
      octets.allSatisfy({ $0.count <= 3 && UInt8($0) != nil && $0.allSatisfy(\.isNumber) })
    else { return false }
    return octets[0] == "127"
  }

  var isIPv6: Bool { host.contains(":") }

  var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// Refuses a non-loopback address: plaintext (the only transport this build has) is for
  /// loopback only.
  func requireLoopback(flag: String) throws(ValidationError) {
    guard isLoopback else {
      throw ValidationError(
        "\(flag) \(self): plaintext is served and used on loopback addresses only "
          + "(127.0.0.0/8, ::1, localhost); a non-loopback address needs TLS "
          + "(--tls-certificate and --tls-key), which this build does not have yet")
    }
  }

  /// The client transport to this address (plaintext: loopback only), reconnecting every
  /// 100 ms to 1 s while the server is away (a server restarting comes back quickly).
  func clientTransport() throws -> HTTP2ClientTransport.Posix {
    let target: any ResolvableTarget
    if isIPv6 {
      target = .ipv6(address: host, port: port)
    } else if host.lowercased() == "localhost" {
      target = .ipv4(address: "127.0.0.1", port: port)
    } else {
      target = .ipv4(address: host, port: port)
    }
    return try HTTP2ClientTransport.Posix(
      target: target, transportSecurity: .plaintext,
      config: .defaults {
        $0.backoff = .init(
          initial: .milliseconds(100), max: .seconds(1), multiplier: 1.6, jitter: 0.2)
      })
  }
}

/// The options every command that talks to a server has: `--server`, the operator token and
/// how long to retry an unreachable server.
struct ServerConnectionOptions: ParsableArguments {
  @Option(help: "The server, HOST:PORT (loopback only: plaintext).")
  var server: String

  @Option(help: "How long to keep retrying an unreachable server, in seconds.")
  var retryFor = 30.0

  /// The parsed `--server`.
  func address() throws(ValidationError) -> ServiceAddress {
    let address = try ServiceAddress(parsing: server, flag: "--server")
    try address.requireLoopback(flag: "--server")
    guard address.port > 0 else {
      throw ValidationError("--server \(server): the port must be 1...65535")
    }
    return address
  }

  func validate() throws {
    _ = try address()
    guard retryFor.isFinite, retryFor >= 0 else {
      throw ValidationError("--retry-for \(retryFor): use a number of seconds ≥ 0")
    }
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
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw ValidationError("\(flag) \(path): cannot create it (\(reason)); it must not exist")
    }
    defer { close(descriptor) }
    var remaining = Array(text.utf8)[...]
    while !remaining.isEmpty {
      let written = remaining.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
      guard written > 0 else {
        throw ValidationError("\(flag) \(path): cannot write it")
      }
      remaining = remaining.dropFirst(written)
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
