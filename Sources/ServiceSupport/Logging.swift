import EventModel
import Foundation
import Logging

/// `LOG_LEVEL` and `LOG_FORMAT` (`json` for machines, `text` for people).
public struct LoggingSettings: Sendable {
    public enum Format: String, Sendable {
        case json, text
    }

    public var level: Logger.Level
    public var format: Format

    public init(level: Logger.Level = .info, format: Format = .json) {
        self.level = level
        self.format = format
    }

    public init(environment: EnvironmentReader) throws(ConfigurationError) {
        let levelText = environment.string("LOG_LEVEL", default: "info").lowercased()
        guard let level = Logger.Level(rawValue: levelText == "warn" ? "warning" : levelText) else {
            throw ConfigurationError(
                "LOG_LEVEL=\(levelText) is not one of trace, debug, info, notice, warning, error, critical")
        }
        let formatText = environment.string("LOG_FORMAT", default: "json").lowercased()
        guard let format = Format(rawValue: formatText) else {
            throw ConfigurationError("LOG_FORMAT=\(formatText) is not json or text")
        }
        self.init(level: level, format: format)
    }

    /// Installs the process-wide log handler; call once, first thing.
    public func bootstrap() {
        let level = self.level
        switch format {
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: level) }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// One JSON object per line on stdout: `ts`, `level`, `logger`, `msg`, then the metadata.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private static let output = LockedOutput()

    public init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("ts", Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        writer.member("level", event.level.rawValue)
        writer.member("logger", label)
        writer.member("msg", event.message.description)
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            writer.member(key, value.description)
        }
        writer.endObject()
        Self.output.write(line: writer.bytes)
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        log(
            event: LogEvent(
                level: level, message: message, metadata: metadata, source: source, file: file, function: function,
                line: line))
    }
}

/// Serialises whole lines so concurrent log calls never interleave.
final class LockedOutput: Sendable {
    private let lock = NSLock()

    func write(line: [UInt8]) {
        var data = Data(line)
        data.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(data)
    }
}
