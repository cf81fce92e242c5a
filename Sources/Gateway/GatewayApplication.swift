import HTTPTypes
import Hummingbird
import Kafka
import Logging
import ServiceLifecycle
import ServiceOperations
import Tracing

/// Builds the gateway: its router, its HTTP application and the services around it.
struct Gateway: Sendable {
    let configuration: GatewayConfiguration
    let producer: KafkaProducer
    let metrics: GatewayMetrics
    let readiness: Readiness
    /// Request body bytes held across all requests.
    let bodyBudget: ByteBudget
    let logger: Logger

    init(configuration: GatewayConfiguration, producer: KafkaProducer, logger: Logger) {
        self.configuration = configuration
        self.producer = producer
        self.metrics = GatewayMetrics()
        self.readiness = Readiness()
        self.bodyBudget = ByteBudget(limit: configuration.maxInFlightBodyBytes)
        self.logger = logger
    }

    func router() -> Router<BasicRequestContext> {
        // HEAD wherever GET: RFC 9110 asks every general-purpose server for both.
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: EventLoopAffinityMiddleware())
        router.add(middleware: RequestLoggingMiddleware(metrics: metrics, routes: OpenAPIDocument.routes))
        // Read once: the installed tracer does not change after start-up.
        let tracer: (any Tracer)? = configuration.tracing.isEnabled ? InstrumentationSystem.tracer : nil
        let ingest = EventIngest(
            configuration: configuration, producer: producer, metrics: metrics, bodyBudget: bodyBudget, tracer: tracer)
        let events = router.group("/events")
        if let tracer {
            // Before the token check, so that refused requests are traced too.
            events.add(middleware: ServerSpanMiddleware(tracer: tracer))
        }
        events
            .add(middleware: BearerTokenMiddleware(token: configuration.apiToken, metrics: metrics))
            .post { request, context in await ingest.postEvent(request, context: context) }
            .post("batch") { request, context in await ingest.postBatch(request, context: context) }
        let producer = self.producer
        let kafkaHealth = CachedHealthCheck {
            do {
                try await producer.checkConnection(timeout: .seconds(2))
                return nil
            } catch {
                return "unreachable: \(error)"
            }
        }
        let metrics = self.metrics
        router.addOperationalRoutes(
            readiness: readiness, healthChecks: [("kafka", kafkaHealth)], registry: metrics.registry,
            beforeScrape: { metrics.producerQueueDepth.set(Int64(producer.queueDepth)) })
        let document = OpenAPIDocument.bytes ?? []
        router.get("/openapi.json") { _, _ in Response.json(status: .ok, document) }
        router.addSchemaRoutes(configuration.schemas)
        return router
    }

    func application() -> some ApplicationProtocol {
        let readiness = self.readiness
        return Application(
            router: router(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "punk-records-gateway"),
            onServerRunning: { _ in readiness.markReady() },
            logger: logger)
    }

    /// The producer first and the drain signal last: shutdown runs in reverse, so readiness turns
    /// 503, then the server finishes in-flight requests, then the producer flushes, and the last
    /// spans are exported.
    func serviceGroup(traceExport: (any Service)? = nil) -> ServiceGroup {
        ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: (traceExport.map { [.init(service: $0)] } ?? []) + [
                    .init(service: producer),
                    .init(service: application()),
                    .init(
                        service: DrainOnShutdown(readiness: readiness, logger: logger),
                        successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
    }
}

/// Gives every request an id (`X-Request-ID`, taken from the client when it sent one), logs
/// failures with it, and counts requests by route and status.
struct RequestLoggingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: GatewayMetrics
    /// For the answer to a request no route takes.
    let routes: APIRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let requestID = request.headers[.xRequestID].flatMap { $0.count <= 128 ? $0 : nil } ?? context.id
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        let route = context.endpointPath ?? "unmatched"
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router's own empty 404 for a request no route takes; handlers throw `APIError`.
            response = routes.answer(toUnrouted: request).response()
        } catch let error as HTTPResponseError {
            // Answered here, so that refusals thrown by handlers and middlewares carry the request id too.
            response = try error.response(from: request, context: context)
        } catch {
            let status = (error as? HTTPResponseError)?.status ?? .internalServerError
            metrics.request(route: route, method: request.method.rawValue, status: status.code)
            context.logger.info(
                "request failed", metadata: ["status": "\(status.code)", "path": "\(request.uri.path)"])
            throw error
        }
        response.headers[.xRequestID] = requestID
        metrics.request(
            route: context.endpointPath ?? route, method: request.method.rawValue, status: response.status.code)
        if response.status.code >= 400 {
            context.logger.info(
                "request answered with an error",
                metadata: [
                    "status": "\(response.status.code)", "method": "\(request.method)", "path": "\(request.uri.path)",
                ])
        } else {
            context.logger.debug(
                "request", metadata: ["status": "\(response.status.code)", "path": "\(request.uri.path)"])
        }
        return response
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-ID")!
}
