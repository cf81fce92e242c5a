import Foundation

extension AcceptedEvent {
    /// The canonical record for `topic`: key from `key` or `event_id`, the envelope as the value,
    /// and headers.
    public func record(topic: String, traceparent: String? = nil) -> OutgoingRecord {
        var headers = [
            RecordHeader(RecordHeaderName.eventID, Array(envelope.eventID.canonicalString.utf8)),
            RecordHeader(RecordHeaderName.eventType, Array(envelope.eventType.utf8)),
            RecordHeader(RecordHeaderName.contentType, Array("application/json".utf8)),
        ]
        if let traceparent {
            headers.append(RecordHeader(RecordHeaderName.traceparent, Array(traceparent.utf8)))
        }
        return OutgoingRecord(
            topic: topic, key: Array(envelope.partitionKey.utf8), value: recordValue, headers: headers)
    }
}

/// Picks the topic of an event: the first route whose prefix matches `event_type`, else the default.
public struct TopicRouter: Sendable, Equatable {
    public struct Route: Sendable, Equatable {
        public let eventTypePrefix: String
        public let topic: String
    }

    public let defaultTopic: String
    public let routes: [Route]

    public init(defaultTopic: String, routes: [Route] = []) {
        self.defaultTopic = defaultTopic
        self.routes = routes
    }

    /// Parses `KAFKA_TOPIC_ROUTES`, e.g. `task.=task-events,reminder.=reminders`.
    public init(defaultTopic: String, routesSpecification: String) throws(TopicRouteError) {
        var routes: [Route] = []
        for entry in routesSpecification.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TopicRouteError(entry: trimmed)
            }
            routes.append(Route(eventTypePrefix: parts[0], topic: parts[1]))
        }
        self.init(defaultTopic: defaultTopic, routes: routes)
    }

    public func topic(forEventType eventType: String) -> String {
        routes.first { eventType.hasPrefix($0.eventTypePrefix) }?.topic ?? defaultTopic
    }

    /// Every topic events can be routed to, default first, without repeats.
    public var allTopics: [String] {
        var topics = [defaultTopic]
        for route in routes where !topics.contains(route.topic) { topics.append(route.topic) }
        return topics
    }
}

public struct TopicRouteError: Error, Sendable, CustomStringConvertible {
    public let entry: String
    public var description: String { "KAFKA_TOPIC_ROUTES entry '\(entry)' is not of the form prefix=topic" }
}
