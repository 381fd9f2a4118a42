import CoreMetrics
import NIOCore
import NIOHTTP1
import NIOPosix
public import Prometheus

/// A small HTTP/1.1 endpoint for operations: `GET /metrics` answers the Prometheus text
/// exposition of a registry, `GET /health` answers `200 ok` or `503 unavailable`.
///
/// Bootstrap swift-metrics with a Prometheus factory over the same registry before making the
/// ``RoundService``, then run the endpoint beside the server; cancelling its task stops it.
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
/// let endpoint = MetricsEndpoint(
///   endpoint: try ServiceEndpoint(parsing: "127.0.0.1:9090"), registry: registry)
/// try await withThrowingDiscardingTaskGroup { group in
///   group.addTask { try await endpoint.run() }
///   // … the gRPC server and RoundService.run()
/// }
/// ```
///
/// Any other path answers `404`, any other method `405`, and a request that is not HTTP
/// `400` (swift-nio's protocol error handler); each connection serves one request and is
/// closed, and one that sends nothing for 10 seconds is closed too. It serves plaintext HTTP:
/// metrics hold no credential or client data, but put it on loopback or a private network
/// unless anyone may read them.
public struct MetricsEndpoint: Sendable {
  /// Where it listens.
  public let endpoint: ServiceEndpoint
  /// The registry whose metrics `GET /metrics` answers.
  public let registry: PrometheusCollectorRegistry
  private let health: @Sendable () async -> Bool

  /// An endpoint that serves `registry` on `endpoint`.
  ///
  /// - Parameters:
  ///   - endpoint: an IP address and port, or `localhost` (`127.0.0.1`); port 0 lets the
  ///     system choose.
  ///   - registry: the registry the process's `PrometheusMetricsFactory` writes to.
  ///   - health: whether the service is healthy (its store answers, say); `GET /health`
  ///     answers `200` when it returns `true`, `503` otherwise.
  public init(
    endpoint: ServiceEndpoint, registry: PrometheusCollectorRegistry,
    health: @escaping @Sendable () async -> Bool = { true }
  ) {
    self.endpoint = endpoint
    self.registry = registry
    self.health = health
  }

  /// An endpoint on `endpoint` over a new registry, with the process's metrics system
  /// bootstrapped to write to that registry.
  ///
  /// `MetricsSystem.bootstrap` may run once per process: call this once, before making the
  /// ``RoundService`` (whose metrics are made from the factory bootstrapped then).
  ///
  /// - Parameters:
  ///   - endpoint: where the endpoint will listen.
  ///   - health: whether the service is healthy, for `GET /health`.
  public static func bootstrappingPrometheus(
    endpoint: ServiceEndpoint, health: @escaping @Sendable () async -> Bool = { true }
  ) -> MetricsEndpoint {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return MetricsEndpoint(endpoint: endpoint, registry: registry, health: health)
  }

  /// Listens and answers requests until the task is cancelled.
  ///
  /// - Parameter onListening: called once the socket is bound, with the address it is bound
  ///   to (its port is the system's choice when the endpoint's port is 0).
  /// - Throws: ``AggregationServiceError/invalidParameter(name:value:expected:)`` when the
  ///   endpoint cannot be bound (a host name other than `localhost`, or an address in use).
  public func run(onListening: @Sendable (ServiceEndpoint) -> Void = { _ in })
    async throws(AggregationServiceError)
  {
    let host: String
    switch endpoint.address {
    case .ipv4, .ipv6: host = endpoint.host
    case .name(let name) where name.lowercased() == "localhost": host = "127.0.0.1"
    case .name:
      throw .invalidParameter(
        name: "metrics endpoint", value: endpoint.description,
        expected: "an IP address (0.0.0.0 or :: for every interface) or localhost")
    }
    let server:
      NIOAsyncChannel<
        NIOAsyncChannel<HTTPServerRequestPart, HTTPPart<HTTPResponseHead, IOData>>, Never
      >
    do {
      server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: host, port: endpoint.port) { channel in
          channel.eventLoop.makeCompletedFuture {
            // A connection that sends nothing for 10 seconds is closed.
            try channel.pipeline.syncOperations.addHandlers(
              IdleStateHandler(readTimeout: .seconds(10)), CloseWhenIdle())
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
              withPipeliningAssistance: false, withErrorHandling: true)
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
          }
        }
    } catch {
      throw .invalidParameter(
        name: "metrics endpoint", value: endpoint.description,
        expected: "an address this process can listen on (\(error))")
    }
    if let port = server.channel.localAddress?.port,
      let bound = try? ServiceEndpoint(host: endpoint.host, port: port)
    {
      onListening(bound)
    }
    let channel = server.channel
    await withTaskCancellationHandler {
      await withDiscardingTaskGroup { group in
        try? await server.executeThenClose { connections in
          for try await connection in connections {
            group.addTask { await serve(connection) }
          }
        }
        group.cancelAll()
      }
    } onCancel: {
      channel.close(promise: nil)
    }
  }

  /// Answers one request on `connection`, then closes it. Never throws: a broken connection
  /// is just closed.
  private func serve(
    _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPPart<HTTPResponseHead, IOData>>
  ) async {
    let channel = connection.channel
    await withTaskCancellationHandler {
      try? await connection.executeThenClose { inbound, outbound in
        var head: HTTPRequestHead?
        var bodyBytes = 0
        for try await part in inbound {
          switch part {
          case .head(let requestHead):
            head = requestHead
          case .body(let buffer):
            bodyBytes += buffer.readableBytes
            // A metrics scrape has no body: refuse to buffer one.
            guard bodyBytes <= 16_384 else {
              try await respond(outbound, status: .payloadTooLarge, body: "request too large\n")
              return
            }
          case .end:
            guard let head else { return }
            let (status, contentType, body) = await answer(head)
            try await respond(outbound, status: status, contentType: contentType, body: body)
            return
          }
        }
      }
    } onCancel: {
      channel.close(promise: nil)
    }
  }

  /// The status, content type and body for a request.
  private func answer(_ head: HTTPRequestHead) async -> (HTTPResponseStatus, String, [UInt8]) {
    let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
    let text = "text/plain; charset=utf-8"
    switch path {
    case "/metrics":
      guard head.method == .GET else {
        return (.methodNotAllowed, text, Array("only GET\n".utf8))
      }
      return (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer())
    case "/health":
      guard head.method == .GET else {
        return (.methodNotAllowed, text, Array("only GET\n".utf8))
      }
      return await health()
        ? (.ok, text, Array("ok\n".utf8)) : (.serviceUnavailable, text, Array("unavailable\n".utf8))
    default:
      return (.notFound, text, Array("not found; try /metrics or /health\n".utf8))
    }
  }

  private func respond(
    _ outbound: NIOAsyncChannelOutboundWriter<HTTPPart<HTTPResponseHead, IOData>>,
    status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", body: String
  ) async throws {
    try await respond(outbound, status: status, contentType: contentType, body: Array(body.utf8))
  }

  private func respond(
    _ outbound: NIOAsyncChannelOutboundWriter<HTTPPart<HTTPResponseHead, IOData>>,
    status: HTTPResponseStatus, contentType: String, body: [UInt8]
  ) async throws {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: contentType)
    headers.add(name: "Content-Length", value: "\(body.count)")
    headers.add(name: "Connection", value: "close")
    if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET") }
    try await outbound.write(
      .head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
    try await outbound.write(.end(nil))
  }
}

/// Closes its connection when `IdleStateHandler` says it was idle.
private final class CloseWhenIdle: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if event is IdleStateHandler.IdleStateEvent {
      context.close(promise: nil)
    } else {
      context.fireUserInboundEventTriggered(event)
    }
  }
}
