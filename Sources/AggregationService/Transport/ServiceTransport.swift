import Foundation
public import GRPCNIOTransportHTTP2Posix
import NIOSSL

/// The HTTP/2 transports of the service and its clients, made from an endpoint and a security
/// choice, with the service's policy: plaintext on loopback only.
///
/// ```swift
/// let endpoint = try ServiceEndpoint(parsing: "0.0.0.0:8443")
/// let transport = try ServiceTransport.makeServer(
///   listeningOn: endpoint,
///   security: .tls(certificateChainPath: "server.pem", privateKeyPath: "server-key.pem"))
/// let server = GRPCServer(transport: transport, services: [service])
/// ```
///
/// Both factories read and check every file before they return, so a missing or malformed
/// certificate or key is an error before anything listens or connects, not a failed
/// handshake later.
public enum ServiceTransport {
  /// A server transport listening on `endpoint`.
  ///
  /// - Parameters:
  ///   - endpoint: an IP address and port (`0.0.0.0` or `::` for every interface), or
  ///     `localhost` (`127.0.0.1`); port 0 lets the system choose.
  ///   - security: plaintext (a loopback endpoint only), TLS, or mutual TLS.
  ///   - config: the transport's HTTP/2 and connection settings.
  /// - Throws: ``AggregationServiceError/plaintextOffLoopback(endpoint:)`` for plaintext on
  ///   any endpoint but loopback; ``AggregationServiceError/unusableTLSFile(parameter:path:problem:)``
  ///   for a file that cannot be read or holds no PEM certificate or key;
  ///   ``AggregationServiceError/invalidParameter(name:value:expected:)`` for a host name
  ///   other than `localhost`.
  public static func makeServer(
    listeningOn endpoint: ServiceEndpoint, security: ServerSecurity,
    config: HTTP2ServerTransport.Posix.Config = .defaults
  ) throws(AggregationServiceError) -> HTTP2ServerTransport.Posix {
    let address: GRPCNIOTransportCore.SocketAddress
    switch endpoint.address {
    case .ipv4: address = .ipv4(host: endpoint.host, port: endpoint.port)
    case .ipv6: address = .ipv6(host: endpoint.host, port: endpoint.port)
    case .name(let name) where name.lowercased() == "localhost":
      address = .ipv4(host: "127.0.0.1", port: endpoint.port)
    case .name:
      throw .invalidParameter(
        name: "listening endpoint", value: endpoint.description,
        expected: "an IP address (0.0.0.0 or :: for every interface) or localhost")
    }
    let transportSecurity: HTTP2ServerTransport.Posix.TransportSecurity
    switch security {
    case .plaintext:
      guard endpoint.isLoopback else {
        throw .plaintextOffLoopback(endpoint: endpoint.description)
      }
      transportSecurity = .plaintext
    case .tls(let chainPath, let keyPath, let authorityPath):
      let chain = try PEMFile.certificates(at: chainPath, parameter: "TLS certificate")
      let key = try PEMFile.privateKey(at: keyPath, parameter: "TLS private key")
      try PEMFile.check(
        key, at: keyPath, parameter: "TLS private key", matches: chain,
        certificateParameter: "TLS certificate")
      var tls = HTTP2ServerTransport.Posix.TransportSecurity.TLS.defaults(
        certificateChain: [.bytes(chain, format: .pem)], privateKey: .bytes(key, format: .pem))
      if let authorityPath {
        let authorities = try PEMFile.certificates(
          at: authorityPath, parameter: "TLS client certificate authority")
        // Every client must present a certificate these authorities signed (BoringSSL's
        // SSL_VERIFY_FAIL_IF_NO_PEER_CERT); clients have no host name to check.
        tls.clientCertificateVerification = .noHostnameVerification
        tls.trustRoots = .certificates([.bytes(authorities, format: .pem)])
      }
      transportSecurity = .tls(tls)
    }
    return HTTP2ServerTransport.Posix(
      address: address, transportSecurity: transportSecurity, config: config)
  }

  /// A client transport connecting to `endpoint`.
  ///
  /// - Parameters:
  ///   - endpoint: the server's host (an IP address or a name) and port.
  ///   - security: plaintext (a loopback endpoint only), TLS, or mutual TLS.
  ///   - config: the transport's HTTP/2, back-off and connection settings.
  /// - Throws: ``AggregationServiceError/plaintextOffLoopback(endpoint:)`` for plaintext to
  ///   any endpoint but loopback (a bearer credential must not cross a network in the clear);
  ///   ``AggregationServiceError/unusableTLSFile(parameter:path:problem:)`` for a file that
  ///   cannot be read or holds no PEM certificate or key;
  ///   ``AggregationServiceError/invalidParameter(name:value:expected:)`` for a certificate
  ///   without its key (or a key without its certificate), or a server host name override
  ///   that is not a host name.
  public static func makeClient(
    connectingTo endpoint: ServiceEndpoint, security: ClientSecurity,
    config: HTTP2ClientTransport.Posix.Config = .defaults
  ) throws(AggregationServiceError) -> HTTP2ClientTransport.Posix {
    let target: any ResolvableTarget
    switch endpoint.address {
    case .ipv4: target = .ipv4(address: endpoint.host, port: endpoint.port)
    case .ipv6: target = .ipv6(address: endpoint.host, port: endpoint.port)
    case .name: target = .dns(host: endpoint.host, port: endpoint.port)
    }
    var config = config
    let transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity
    switch security {
    case .plaintext:
      guard endpoint.isLoopback else {
        throw .plaintextOffLoopback(endpoint: endpoint.description)
      }
      transportSecurity = .plaintext
    case .tls(let rootsPath, let certificatePath, let keyPath, let hostnameOverride):
      var tls = HTTP2ClientTransport.Posix.TransportSecurity.TLS.defaults
      if let rootsPath {
        let roots = try PEMFile.certificates(at: rootsPath, parameter: "TLS trust roots")
        tls.trustRoots = .certificates([.bytes(roots, format: .pem)])
      }
      switch (certificatePath, keyPath) {
      case (nil, nil):
        break
      case (let certificatePath?, let keyPath?):
        let chain = try PEMFile.certificates(
          at: certificatePath, parameter: "TLS client certificate")
        let key = try PEMFile.privateKey(at: keyPath, parameter: "TLS client private key")
        try PEMFile.check(
          key, at: keyPath, parameter: "TLS client private key", matches: chain,
          certificateParameter: "TLS client certificate")
        tls.certificateChain = [.bytes(chain, format: .pem)]
        tls.privateKey = .bytes(key, format: .pem)
      case (.some, nil), (nil, .some):
        throw .invalidParameter(
          name: "TLS client certificate and key", value: "only one of them",
          expected: "both (mutual TLS) or neither")
      }
      if let hostnameOverride {
        guard let name = try? ServiceEndpoint(host: hostnameOverride, port: 0),
          case .name = name.address
        else {
          throw .invalidParameter(
            name: "TLS server name", value: hostnameOverride,
            expected: "a host name (the name the server's certificate carries)")
        }
        // The authority is the TLS server name (SNI) that the certificate is checked against.
        // (An IP address in the certificate that matches the connected address also passes,
        // as RFC 6125 allows.)
        config.http2.authority = hostnameOverride
      }
      transportSecurity = .tls(tls)
    }
    do {
      return try HTTP2ClientTransport.Posix(
        target: target, transportSecurity: transportSecurity, config: config)
    } catch {
      // The files were read and parsed above; what is left is a TLS setting the TLS library
      // refuses.
      throw .invalidParameter(
        name: "client TLS configuration", value: "\(security)",
        expected: "certificates and keys the TLS library accepts")
    }
  }
}

/// Reading PEM files for TLS, with errors that name the parameter and the path (never the
/// file's contents).
enum PEMFile {
  /// The bytes of a PEM file holding at least one certificate.
  static func certificates(at path: String, parameter: String)
    throws(AggregationServiceError) -> [UInt8]
  {
    let bytes = try read(path, parameter: parameter)
    let parsed: [NIOSSLCertificate]
    do {
      parsed = try NIOSSLCertificate.fromPEMBytes(bytes)
    } catch {
      throw .unusableTLSFile(
        parameter: parameter, path: path, problem: "does not hold PEM certificates")
    }
    guard !parsed.isEmpty else {
      throw .unusableTLSFile(
        parameter: parameter, path: path, problem: "holds no PEM certificate")
    }
    return bytes
  }

  /// The bytes of a PEM file holding a private key.
  static func privateKey(at path: String, parameter: String)
    throws(AggregationServiceError) -> [UInt8]
  {
    let bytes = try read(path, parameter: parameter)
    do {
      _ = try NIOSSLPrivateKey(bytes: bytes, format: .pem)
    } catch {
      throw .unusableTLSFile(
        parameter: parameter, path: path, problem: "does not hold a PEM private key")
    }
    return bytes
  }

  /// Checks that `key` is the private key of the first certificate of `chain` (both PEM, both
  /// parsed already): TLS would refuse the pair when it starts.
  static func check(
    _ key: [UInt8], at path: String, parameter: String, matches chain: [UInt8],
    certificateParameter: String
  ) throws(AggregationServiceError) {
    do {
      let certificates = try NIOSSLCertificate.fromPEMBytes(chain)
      var configuration = TLSConfiguration.makeServerConfiguration(
        certificateChain: certificates.map { .certificate($0) },
        privateKey: .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem)))
      configuration.trustRoots = .certificates([])
      _ = try NIOSSLContext(configuration: configuration)
    } catch {
      throw .unusableTLSFile(
        parameter: parameter, path: path,
        problem: "does not hold the private key of the \(certificateParameter)")
    }
  }

  /// A file's bytes, at most 1 MiB.
  private static func read(_ path: String, parameter: String)
    throws(AggregationServiceError) -> [UInt8]
  {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .unusableTLSFile(
        parameter: parameter, path: path, problem: "cannot be read (missing, or not permitted)")
    }
    guard data.count <= 1 << 20 else {
      throw .unusableTLSFile(
        parameter: parameter, path: path, problem: "is larger than 1 MiB; expected a PEM file")
    }
    return Array(data)
  }
}
