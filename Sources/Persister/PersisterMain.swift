import EventModel
import Foundation
import Hummingbird
import Kafka
import Logging
import PersisterCore
import Postgres
import ServiceLifecycle
import ServiceOperations
import ServiceSupport
import Telemetry

@main
enum PersisterMain {
    static let usage = """
        usage: persister [run]                       consume, persist, dead-letter (applies migrations first)
               persister migrate                     apply migrations/ and exit
               persister replay --from-offset N      re-persist every topic from offset N (0 = the beginning)
               persister replay --from-time TIME     re-persist from the first record at or after TIME (RFC 3339)
               persister dlq-redrive                 move dead-lettered records back to their original topics
               persister check-schemas [DIR]         check a schema directory (default SCHEMA_DIR), naming each problem
        """

    /// The subcommands, read before the settings: `--help` and a typo need no valid environment.
    enum Command: String {
        case run, migrate, replay
        case dlqRedrive = "dlq-redrive"
        case checkSchemas = "check-schemas"
    }

    static func main() async {
        ProcessRuntime.limitMallocArenas()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, ["-h", "--help", "help"].contains(first) {
            print(usage)
            exit(0)
        }
        guard let command = Command(rawValue: arguments.first ?? "run") else {
            fail("persister: unknown command \(arguments[0])\n\(usage)", code: 2)
        }
        if [.run, .migrate, .dlqRedrive].contains(command), arguments.count > 1 {
            fail("persister: \(command.rawValue) takes no arguments, not \(arguments[1])\n\(usage)", code: 2)
        }
        if command == .checkSchemas {
            let directory = arguments.dropFirst().first
            if let directory, directory.hasPrefix("-") {
                print("usage: persister check-schemas [DIR]   (DIR defaults to SCHEMA_DIR)")
                exit(directory == "-h" || directory == "--help" ? 0 : 2)
            }
            exit(checkSchemas(directory ?? EnvironmentReader().optionalString("SCHEMA_DIR")))
        }
        let configuration: PersisterConfiguration
        do {
            configuration = try PersisterConfiguration(environment: EnvironmentReader())
        } catch {
            fail("persister: \(error)", code: 2)
        }
        configuration.logging.bootstrap()
        let logger = Logger(label: "punk-records.persister")
        do {
            switch command {
            case .run:
                try await run(configuration, logger: logger)
            case .migrate:
                let connection = try await PostgresConnection.connect(url: configuration.databaseURL, logger: logger)
                let applied = try await Migrator(directory: configuration.migrationsDirectory, logger: logger).apply(
                    using: connection)
                logger.info("migrations up to date", metadata: ["applied_now": "\(applied.count)"])
            case .replay:
                let position = try startPosition(Array(arguments.dropFirst()))
                try await run(
                    configuration, logger: logger, mode: .replay(idleExit: .seconds(5)), startPosition: position)
            case .dlqRedrive:
                let moved = try await DeadLetterRedrive(configuration: configuration, logger: logger).run()
                logger.info("dead-letter redrive finished", metadata: ["moved": "\(moved)"])
            case .checkSchemas:
                break  // answered above, before the settings
            }
        } catch {
            logger.critical("persister failed: \(error)")
            exit(1)
        }
    }

    static func run(
        _ configuration: PersisterConfiguration,
        logger: Logger,
        mode: PersisterLoop.Mode = .live,
        startPosition: KafkaConsumerConfiguration.StartPosition = .committed
    ) async throws {
        let traceExport = try TraceExport.start(
            configuration.tracing, serviceName: "punk-records-persister", logger: logger)
        let database = ReconnectingConnection(url: configuration.databaseURL, logger: logger)

        let groupID: String
        if case .replay = mode {
            groupID = "punk-records-replay-\(UUID().uuidString.prefix(8).lowercased())"
        } else {
            groupID = configuration.groupID
        }
        let deadLetters = try KafkaProducer(configuration: configuration.producerConfiguration(), logger: logger)
        let metrics = PersisterMetrics()
        let readiness = Readiness()
        let loop = PersisterLoop(
            configuration: configuration,
            consumerConfiguration: configuration.consumerConfiguration(groupID: groupID, startPosition: startPosition),
            mode: mode,
            startUp: { try await migrateWaitingForDatabase(configuration, database: database, logger: logger) },
            writers: [database]
                + (1..<configuration.writeConcurrency).map { _ in
                    ReconnectingConnection(url: configuration.databaseURL, logger: logger)
                }, deadLetters: deadLetters, metrics: metrics, readiness: readiness,
            logger: logger)

        let healthDatabase = ReconnectingConnection(url: configuration.databaseURL, logger: logger)
        let databaseHealth = CachedHealthCheck {
            do throws(PostgresError) {
                try await healthDatabase.connection().query("SELECT 1")
                return nil
            } catch {
                await healthDatabase.reset()
                return error.failureKind == .fatal ? "refused: \(error)" : "unreachable: \(error)"
            }
        }
        let brokerHealth = CachedHealthCheck { await loop.checkBroker() }
        let router = Router(options: .autoGenerateHeadEndpoints)  // HEAD wherever GET, as the gateway
        router.addOperationalRoutes(
            readiness: readiness, healthChecks: [("kafka", brokerHealth), ("database", databaseHealth)],
            registry: metrics.registry, beforeScrape: { metrics.updateLag(highWatermarks: loop.cachedHighWatermarks()) }
        )
        try checkPortCanBeBound(port: configuration.metricsPort, variable: "METRICS_PORT")
        let metricsServer = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname("0.0.0.0", port: configuration.metricsPort), serverName: "punk-records-persister"),
            logger: logger)

        // Shutdown runs in reverse: readiness turns 503, the loop finishes its batch, commits and
        // leaves the group, then the metrics server and the dead-letter producer stop, and the
        // last spans are exported.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = traceExport.map { [.init(service: $0)] } ?? []
        services += [.init(service: deadLetters), .init(service: metricsServer)]
        if case .replay = mode {
            services.append(.init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup))
        } else {
            services.append(.init(service: loop))
        }
        services.append(
            .init(service: DrainOnShutdown(readiness: readiness, logger: logger), successTerminationBehavior: .ignore))
        try await ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
    }

    /// A replica that starts while the database is down waits for it instead of exiting, as the
    /// running loop does (the same `RetryPolicy`, the same backoff), serving `/live` meanwhile;
    /// any other error (a broken migration, refused credentials) stops it, and SIGTERM ends the
    /// wait with a clean exit.
    static func migrateWaitingForDatabase(
        _ configuration: PersisterConfiguration,
        database: ReconnectingConnection,
        logger: Logger
    ) async throws {
        let migrator = Migrator(directory: configuration.migrationsDirectory, logger: logger)
        var attempt = 0
        while true {
            do {
                try await migrator.apply(using: try await database.connection())
                return
            } catch let error as PostgresError where error.failureKind == .retryLater {
                if RetryPolicy.shouldLog(attempt: attempt) {
                    logger.warning("database unavailable at start-up; waiting", metadata: ["error": "\(error)"])
                }
                await database.reset()
                let delay = RetryPolicy.delay(attempt: attempt)
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                attempt += 1
            }
        }
    }

    static func startPosition(_ arguments: [String]) throws -> KafkaConsumerConfiguration.StartPosition {
        guard arguments.count == 2 else { fail(usage, code: 2) }
        switch arguments[0] {
        case "--from-offset":
            guard let offset = Int64(arguments[1]), offset >= 0 else {
                fail("--from-offset needs a number ≥ 0", code: 2)
            }
            return .offset(offset)
        case "--from-time":
            guard let time = RFC3339Timestamp(arguments[1]) else { fail("--from-time needs an RFC 3339 time", code: 2) }
            return .timestamp(milliseconds: time.microsecondsSinceEpoch / 1000)
        default:
            fail(usage, code: 2)
        }
    }

    /// Loads every contract of `directory` on its own and prints one line per problem; the exit
    /// status says whether the directory would load (for CI and a Kubernetes init step).
    static func checkSchemas(_ directory: String?) -> Int32 {
        guard let directory else {
            FileHandle.standardError.write(Data("check-schemas: name a directory or set SCHEMA_DIR\n".utf8))
            return 2
        }
        let report = SchemaRegistry.check(directory: directory)
        for problem in report.problems {
            FileHandle.standardError.write(Data("check-schemas: \(problem)\n".utf8))
        }
        guard report.problems.isEmpty else { return 1 }
        print("check-schemas: \(directory): \(report.count) schema\(report.count == 1 ? "" : "s") load")
        return 0
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        exit(code)
    }
}
