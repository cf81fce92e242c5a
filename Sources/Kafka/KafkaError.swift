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
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        /// The broker does not have the topic (or partition), and does not create it on first use.
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        /// The record is larger than the producer's `message.max.bytes` or the topic's limit.
        public static let messageTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
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

    package init(_ error: rd_kafka_resp_err_t, context: String? = nil) {
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

    public var description: String { "\(code) (\(code.rawValue)): \(message)" }
}
