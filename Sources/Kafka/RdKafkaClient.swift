import CRdKafka
import Dispatch
import Logging

/// What librdkafka's callbacks reach through the client's opaque pointer.
package final class ClientContext: Sendable {
    let logger: Logger
    let rebalance:
        (
            @Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) ->
                Void
        )?

    package init(
        logger: Logger,
        rebalance: (
            @Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) ->
                Void
        )? = nil
    ) {
        self.logger = logger
        self.rebalance = rebalance
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientContext? {
        opaque.map { Unmanaged<ClientContext>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// Owns one `rd_kafka_t` and destroys it last. Blocking librdkafka calls go through `blocking`,
/// which runs them on this client's own serial queue, never on the cooperative thread pool.
/// `package` so that test helpers (TestSupport's `KafkaAdmin`) reach librdkafka through it too.
package final class RdKafkaClient: Sendable {
    nonisolated(unsafe) package let pointer: OpaquePointer
    private let context: Unmanaged<ClientContext>
    let queue: DispatchQueue
    let logger: Logger

    package enum Kind {
        case producer
        case consumer
    }

    package init(
        kind: Kind,
        properties: [String: String],
        context: ClientContext,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        guard let configuration = rd_kafka_conf_new() else {
            throw KafkaError(code: .configuration, message: "rd_kafka_conf_new failed")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(configuration, name, value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(configuration)
                throw KafkaError(
                    code: .configuration, message: "property \(name): \(String(nullTerminated: errorText))")
            }
        }
        let retained = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(configuration, retained.toOpaque())
        rd_kafka_conf_set_log_cb(configuration) { handle, level, facility, message in
            guard let handle, let context = ClientContext.from(rd_kafka_opaque(handle)) else { return }
            let text = "\(facility.map { String(cString: $0) } ?? "-"): \(message.map { String(cString: $0) } ?? "")"
            context.logger.log(level: Logger.Level(syslogLevel: level), "\(text)", metadata: ["source": "librdkafka"])
        }
        rd_kafka_conf_set_error_cb(configuration) { _, code, reason, opaque in
            let error = rd_kafka_resp_err_t(rawValue: code)
            guard let context = ClientContext.from(opaque) else { return }
            let fatal = error == RD_KAFKA_RESP_ERR__FATAL
            context.logger.log(
                level: fatal ? .error : .warning,
                "\(reason.map { String(cString: $0) } ?? "")",
                metadata: ["kafka.error": "\(KafkaError.Code(error))", "source": "librdkafka"])
        }
        configure(configuration)

        let handle = rd_kafka_new(
            kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, configuration, &errorText, errorText.count)
        guard let handle else {
            // On failure the configuration still belongs to us.
            rd_kafka_conf_destroy(configuration)
            retained.release()
            throw KafkaError(code: .configuration, message: String(nullTerminated: errorText))
        }
        self.pointer = handle
        self.context = retained
        self.logger = context.logger
        self.queue = DispatchQueue(label: "punk-records.kafka.\(kind)")
    }

    deinit {
        rd_kafka_destroy(pointer)
        context.release()
    }

    /// Runs a blocking librdkafka call on this client's queue and resumes when it returns.
    package func blocking<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// Asks the cluster for metadata: succeeds only when a broker answers within `timeout`.
    func checkConnection(timeout: Duration) async throws(KafkaError) {
        let error = await blocking { [self] () -> rd_kafka_resp_err_t in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let error = rd_kafka_metadata(pointer, 0, nil, &metadata, Int32(clamping: timeout.milliseconds))
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return error
        }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "metadata request") }
    }
}

extension Logger.Level {
    init(syslogLevel: Int32) {
        switch syslogLevel {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}

extension String {
    /// Text of a C buffer that librdkafka filled and terminated with NUL.
    package init(nullTerminated buffer: [CChar]) {
        let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
        self = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
