import CRdKafka

/// An error from librdkafka or from this wrapper, with librdkafka's error code.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t`: negative values are client-side, positive ones come from the broker.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int32

        init(_ error: rd_kafka_resp_err_t) { rawValue = error.rawValue }

        public var description: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue))) }

        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        /// The wrapper was closed; nothing more can be sent or polled.
        public static let closed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        /// A configuration property was rejected by librdkafka.
        public static let configuration = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    init(_ error: rd_kafka_resp_err_t, context: String? = nil) {
        let text = String(cString: rd_kafka_err2str(error))
        self.init(code: Code(error), message: context.map { "\($0): \(text)" } ?? text)
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer) {
        self.init(
            code: Code(rd_kafka_error_code(error)),
            message: String(cString: rd_kafka_error_string(error)))
        rd_kafka_error_destroy(error)
    }

    /// Whether waiting and trying again may succeed (broker unreachable, queue full, time-outs).
    public var isTransient: Bool {
        switch code {
        case .queueFull, .messageTimedOut, .timedOut, .allBrokersDown, .transport: true
        default: false
        }
    }

    public var description: String { "\(code) (\(code.rawValue)): \(message)" }
}
