/// How a server secures its connections: plaintext (loopback only) or TLS, optionally requiring
/// client certificates (mutual TLS).
///
/// Files are PEM. ``ServiceTransport/makeServer(listeningOn:security:config:)`` reads and checks them
/// before anything listens.
public enum ServerSecurity: Sendable, Hashable, CustomStringConvertible {
  /// No encryption: allowed on a loopback endpoint only (``ServiceEndpoint/isLoopback``).
  case plaintext
  /// TLS with the certificate chain at `certificateChainPath` (the server's certificate first)
  /// and its private key at `privateKeyPath`.
  ///
  /// With `clientCertificateAuthorityPath`, mutual TLS: every client must present a
  /// certificate that the certificate authorities in that file signed, or its connection is
  /// refused during the handshake. The bearer credentials of the service apply on top.
  case tls(
    certificateChainPath: String, privateKeyPath: String,
    clientCertificateAuthorityPath: String? = nil)

  /// `plaintext`, `TLS` or `mutual TLS`, for a log line (no paths).
  public var description: String {
    switch self {
    case .plaintext: return "plaintext"
    case .tls(_, _, nil): return "TLS"
    case .tls(_, _, .some): return "mutual TLS"
    }
  }
}

/// How a client secures its connection: plaintext (to a loopback endpoint only) or TLS,
/// optionally with a client certificate (mutual TLS).
///
/// Files are PEM. ``ServiceTransport/makeClient(connectingTo:security:config:)`` reads and checks
/// them before anything connects.
public enum ClientSecurity: Sendable, Hashable, CustomStringConvertible {
  /// No encryption: allowed to a loopback endpoint only (``ServiceEndpoint/isLoopback``), so a
  /// bearer credential never crosses a network in the clear.
  case plaintext
  /// TLS, verifying the server's certificate and its name.
  ///
  /// - Parameters:
  ///   - trustRootsPath: the certificate authorities to trust; `nil` trusts the system's.
  ///   - certificatePath: for mutual TLS, this client's certificate (chain, its own first).
  ///   - privateKeyPath: for mutual TLS, the private key of `certificatePath` (give both or
  ///     neither).
  ///   - serverHostnameOverride: the name the server's certificate must carry (and the TLS
  ///     server name sent), when it differs from the endpoint's host; `nil` checks the
  ///     endpoint's host. Either way, a certificate whose IP addresses include the address
  ///     connected to is also accepted (RFC 6125, as swift-nio-ssl checks).
  case tls(
    trustRootsPath: String? = nil, certificatePath: String? = nil, privateKeyPath: String? = nil,
    serverHostnameOverride: String? = nil)

  /// `plaintext`, `TLS` or `mutual TLS`, for a log line (no paths).
  public var description: String {
    switch self {
    case .plaintext: return "plaintext"
    case .tls(_, nil, nil, _): return "TLS"
    case .tls: return "mutual TLS"
    }
  }
}
