import Foundation
import Kafka
import Logging
import ServiceSupport
import Telemetry

@main
enum GatewayMain {
    static func main() async {
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
