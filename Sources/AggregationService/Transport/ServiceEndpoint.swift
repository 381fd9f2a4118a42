import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a service listens or a client connects: a host and a port, parsed from `HOST:PORT`.
///
/// `HOST` is an IPv4 address (`127.0.0.1`), an IPv6 address in brackets (`[::1]`), or a host
/// name (`localhost`, `aggregation.example.org`). A server listens on an IP address or on
/// `localhost` (which means `127.0.0.1`); a client may name any host.
///
/// ```swift
/// let endpoint = try ServiceEndpoint(parsing: "[::1]:8443")
/// endpoint.host        // "::1"
/// endpoint.isLoopback  // true
/// ```
public struct ServiceEndpoint: Sendable, Hashable, CustomStringConvertible {
  /// The host: an IP address (IPv6 without brackets) or a host name.
  public let host: String
  /// The port, 0...65535; 0 lets the system choose a free port when listening.
  public let port: Int

  /// An endpoint from its parts.
  ///
  /// - Parameters:
  ///   - host: an IPv4 address, an IPv6 address (with or without brackets) or a host name.
  ///   - port: 0...65535.
  ///   - parameterName: the name the caller knows this parameter by (a command-line flag,
  ///     say); errors name it.
  /// - Throws: ``AggregationServiceError/invalidParameter(name:value:expected:)`` when the
  ///   host is empty or not a valid name or address, or the port is out of range.
  public init(host: String, port: Int, parameterName: String = "endpoint")
    throws(AggregationServiceError)
  {
    var host = host
    if host.hasPrefix("["), host.hasSuffix("]"), host.count >= 2 {
      host = String(host.dropFirst().dropLast())
    }
    guard (0...65_535).contains(port) else {
      throw .invalidParameter(
        name: parameterName, value: "port \(port)", expected: "a port in 0...65535")
    }
    guard Self.isValidHost(host) else {
      throw .invalidParameter(
        name: parameterName, value: Self.printable(host),
        expected: "an IPv4 address, an IPv6 address in brackets, or a host name")
    }
    self.host = host
    self.port = port
  }

  /// An endpoint parsed from `HOST:PORT`: `127.0.0.1:8443`, `[::1]:8443`, `localhost:8443`,
  /// `0.0.0.0:8443`.
  ///
  /// - Parameters:
  ///   - text: `HOST:PORT`, with an IPv6 address in brackets.
  ///   - parameterName: the name the caller knows this parameter by (a command-line flag,
  ///     say); errors name it.
  /// - Throws: ``AggregationServiceError/invalidParameter(name:value:expected:)`` naming
  ///   `parameterName` when `text` is not `HOST:PORT`.
  public init(parsing text: String, parameterName: String = "endpoint")
    throws(AggregationServiceError)
  {
    let expected = "HOST:PORT, such as 127.0.0.1:8443, [::1]:8443 or localhost:8443"
    let hostPart: Substring
    let portPart: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else {
        throw .invalidParameter(
          name: parameterName, value: Self.printable(text), expected: expected)
      }
      let afterClose = text.index(after: close)
      guard afterClose < text.endIndex, text[afterClose] == ":" else {
        throw .invalidParameter(
          name: parameterName, value: Self.printable(text), expected: expected)
      }
      hostPart = text[text.index(after: text.startIndex)..<close]
      portPart = text[text.index(after: afterClose)...]
    } else {
      guard let colon = text.lastIndex(of: ":"),
        text[..<colon].firstIndex(of: ":") == nil
      else {
        // No colon, or an IPv6 address without brackets (its port would be ambiguous).
        throw .invalidParameter(
          name: parameterName, value: Self.printable(text), expected: expected)
      }
      hostPart = text[..<colon]
      portPart = text[text.index(after: colon)...]
    }
    guard !portPart.isEmpty, portPart.count <= 5,
      portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
      let port = Int(portPart)
    else {
      throw .invalidParameter(name: parameterName, value: Self.printable(text), expected: expected)
    }
    try self.init(host: String(hostPart), port: port, parameterName: parameterName)
  }

  /// `HOST:PORT`, with an IPv6 address in brackets.
  public var description: String {
    host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
  }

  /// Whether the endpoint is on this machine's loopback interface only: `127.0.0.0/8`, `::1`
  /// (or an IPv4-mapped `::ffff:127.x.y.z`) or `localhost`. `0.0.0.0` and `::` (every
  /// interface) are not loopback.
  public var isLoopback: Bool {
    switch address {
    case .ipv4(let bytes): return bytes.first == 127
    case .ipv6(let bytes):
      let loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
      if bytes == loopback { return true }
      let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff]
      return bytes.count == 16 && Array(bytes.prefix(12)) == mapped
        && bytes.dropFirst(12).first == 127
    case .name(let name): return name.lowercased() == "localhost"
    }
  }

  /// The host as an address: an IPv4 or IPv6 literal's bytes, or a name.
  enum Address: Equatable {
    case ipv4([UInt8])
    case ipv6([UInt8])
    case name(String)
  }

  /// The host, classified.
  var address: Address {
    if let address = try? NIOCore.SocketAddress(ipAddress: host, port: 0) {
      switch address {
      case .v4(let v4):
        return .ipv4(withUnsafeBytes(of: v4.address.sin_addr) { Array($0) })
      case .v6(let v6):
        return .ipv6(withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) })
      case .unixDomainSocket:
        break
      }
    }
    return .name(host)
  }

  /// An IP literal, or a DNS name of letters, digits, `-` and `.` (labels of 1...63, 253 in
  /// all).
  private static func isValidHost(_ host: String) -> Bool {
    guard !host.isEmpty else { return false }
    if (try? NIOCore.SocketAddress(ipAddress: host, port: 0)) != nil { return true }
    guard host.utf8.count <= 253 else { return false }
    let labels = host.split(separator: ".", omittingEmptySubsequences: false)
    return labels.allSatisfy { label in
      (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
        && label.unicodeScalars.allSatisfy {
          $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
        }
    }
  }

  /// At most 100 characters of a value, for an error message.
  private static func printable(_ value: String) -> String {
    value.count > 100 ? String(value.prefix(100)) + "…" : value
  }
}
