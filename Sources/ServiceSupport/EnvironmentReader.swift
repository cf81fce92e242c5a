import Foundation

/// A setting that cannot be used; its description is the one-line reason a program prints
/// before exiting.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Reads settings from the process environment once, with defaults and range checks.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return defaultValue
        }
        return value
    }

    public func optionalString(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    public func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>)
        throws(ConfigurationError) -> Int
    {
        guard let text = optionalString(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError("\(name)=\(text) is not an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    public func list(_ name: String) -> [String]? {
        optionalString(name).map { text in
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }
}
