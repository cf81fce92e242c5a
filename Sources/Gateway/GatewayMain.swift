import Foundation
import Kafka
import Logging
import ServiceSupport
import Telemetry

@main
enum GatewayMain {
    static let usage = """
        usage: gateway            serve the HTTP API; every setting comes from the environment
                                  (PUNK_RECORDS_API_TOKEN is required; the rest: docs/configuration.md)
               gateway --help     print this
        """

    static func main() async {
        let arguments = CommandLine.arguments.dropFirst()
        if let first = arguments.first {
            guard ["-h", "--help", "help"].contains(first) else {
                FileHandle.standardError.write(Data("gateway: unknown argument \(first)\n\(usage)\n".utf8))
                exit(2)
            }
            print(usage)
            exit(0)
        }
        ProcessRuntime.limitMallocArenas()
        let tasksOnEventLoops = ProcessRuntime.runTasksOnEventLoops()
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration(environment: EnvironmentReader())
        } catch {
            FileHandle.standardError.write(Data("gateway: \(error)\n".utf8))
            exit(2)
        }
        guard OpenAPIDocument.bytes != nil else {
            FileHandle.standardError.write(Data("gateway: \(OpenAPIDocument.Missing())\n".utf8))
            exit(2)
        }
        do {
            try checkPortCanBeBound(host: configuration.host, port: configuration.port, variable: "HTTP_PORT")
        } catch {
            FileHandle.standardError.write(Data("gateway: \(error)\n".utf8))
            exit(2)
        }
        configuration.logging.bootstrap()
        let logger = Logger(label: "punk-records.gateway")
        if !tasksOnEventLoops {
            logger.warning("Swift tasks could not be moved onto the event loops; they run on the default pool")
        }
        do {
            let traceExport = try TraceExport.start(
                configuration.tracing, serviceName: "punk-records-gateway", logger: logger)
            let producer = try KafkaProducer(configuration: configuration.producerConfiguration(), logger: logger)
            let gateway = Gateway(configuration: configuration, producer: producer, logger: logger)
            logger.info(
                "starting gateway",
                metadata: [
                    "address": "\(configuration.host):\(configuration.port)",
                    "brokers": "\(configuration.kafka.brokers)",
                    "topic": "\(configuration.kafka.router.defaultTopic)",
                ])
            try await gateway.serviceGroup(traceExport: traceExport).run()
            logger.info("gateway stopped")
        } catch {
            logger.critical("gateway failed: \(error)")
            exit(1)
        }
    }
}
