import Foundation

/// Turns a schema document into `SchemaNode`s.
///
/// Two passes: the first walks every subschema to learn its base URI and to register each `$id`
/// and `$anchor`; the second compiles nodes on demand, starting at the root and at every `$defs`
/// entry, and resolves each `$ref` to the node of its target location. Nodes are keyed by their
/// location (a JSON Pointer into the document), so a target shared by several `$ref`s, or a
/// recursive one, is compiled once.
struct SchemaCompiler {
    let document: JSONValue
    /// The base URI in effect at each subschema location (after that subschema's own `$id`).
    private var baseURIs: [String: SchemaURI] = [:]
    /// Schema resources by absolute URI: their locations in the document.
    private var resources: [SchemaURI: String] = [:]
    /// Plain-name fragments (`$anchor`) by absolute URI with fragment.
    private var anchors: [SchemaURI: String] = [:]
    private var indexByLocation: [String: Int] = [:]
    private(set) var nodes: [SchemaRules] = []
    private var locations: [String] = []

    static func compile(_ document: JSONValue) throws(SchemaLoadError) -> [SchemaNode] {
        try refuseDuplicateNames(document, at: "")
        var compiler = SchemaCompiler(document: document)
        try compiler.scan(document, at: "", base: SchemaURI.defaultBase)
        if compiler.resources[SchemaURI.defaultBase] == nil { compiler.resources[SchemaURI.defaultBase] = "" }
        _ = try compiler.node(at: "")
        try compiler.refuseInPlaceCycles()
        return compiler.nodes.map(SchemaNode.init)
    }

    /// A repeated member name would leave it to the parser which keyword or property counts; the
    /// envelope decoder refuses that for events, and the compiler refuses it for schemas.
    private static func refuseDuplicateNames(_ value: JSONValue, at location: String) throws(SchemaLoadError) {
        switch value {
        case .object(let object):
            var seen: Set<MemberName> = []
            for member in object.members {
                let memberLocation = location + "/" + JSONPointer.escape(member.name)
                guard seen.insert(MemberName(member.name)).inserted else {
                    throw SchemaLoadError(pointer: memberLocation, keyword: nil, reason: "duplicate member name")
                }
                try refuseDuplicateNames(member.value, at: memberLocation)
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                try refuseDuplicateNames(element, at: location + "/\(index)")
            }
        default:
            break
        }
    }

    // MARK: Pass 1: identifiers

    private mutating func scan(_ value: JSONValue, at location: String, base: SchemaURI) throws(SchemaLoadError) {
        guard case .object(let object) = value else { return }
        var base = base
        if let id = object["$id"] {
            guard case .string(let text) = id else { throw error(location, "$id", "must be a string") }
            let reference = SchemaURI(parsing: text)
            if let fragment = reference.fragment, !fragment.isEmpty {
                throw error(location, "$id", "must not have a fragment; use $anchor for plain names")
            }
            base = base.resolving(reference).withoutFragment
            if let other = resources[base], other != location {
                throw error(location, "$id", "\"\(base.text)\" is already the $id of \(other.isEmpty ? "/" : other)")
            }
            resources[base] = location
        }
        baseURIs[location] = base
        if let anchor = object["$anchor"] {
            guard case .string(let name) = anchor, Self.isAnchorName(name) else {
                throw error(location, "$anchor", "must be a name matching ^[A-Za-z_][-A-Za-z0-9._]*$")
            }
            var key = base
            key.fragment = name
            if anchors[key] != nil { throw error(location, "$anchor", "\"\(name)\" is defined twice") }
            anchors[key] = location
        }
        for member in object.members {
            let keywordLocation = location + "/" + JSONPointer.escape(member.name)
            switch SchemaKeyword.shape(of: member.name) {
            case .schema:
                try scan(member.value, at: keywordLocation, base: base)
            case .schemaArray:
                guard case .array(let elements) = member.value else { continue }
                for (index, element) in elements.enumerated() {
                    try scan(element, at: keywordLocation + "/\(index)", base: base)
                }
            case .schemaMap:
                guard case .object(let map) = member.value else { continue }
                for entry in map.members {
                    try scan(entry.value, at: keywordLocation + "/" + JSONPointer.escape(entry.name), base: base)
                }
            case .value, .unknown:
                continue
            }
        }
    }

    private static func isAnchorName(_ name: String) -> Bool {
        func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        guard let first = name.unicodeScalars.first, first == "_" || isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            isLetter($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." || $0 == "_"
        }
    }

    // MARK: Pass 2: nodes

    /// The node index of the subschema at `location`, compiling it on first use.
    mutating func node(at location: String) throws(SchemaLoadError) -> Int {
        if let index = indexByLocation[location] { return index }
        guard let value = self.value(at: location) else {
            throw error(location, nil, "no value at this location")
        }
        let index = nodes.count
        nodes.append(SchemaRules())
        locations.append(location)
        indexByLocation[location] = index
        nodes[index] = try compileSchema(value, at: location)
        return index
    }

    private mutating func compileSchema(_ value: JSONValue, at location: String) throws(SchemaLoadError) -> SchemaRules
    {
        switch value {
        case .bool(let flag):
            var node = SchemaRules()
            node.constant = flag
            return node
        case .object(let object):
            var builder = SchemaNodeBuilder(location: location, base: baseURI(at: location))
            for member in object.members {
                try builder.add(member.name, member.value, object: object, compiler: &self)
            }
            return builder.node
        default:
            throw error(location, nil, "a schema must be an object or a boolean")
        }
    }

    /// The base URI at `location`; a `$ref` may point below a subschema the first pass did not
    /// visit (e.g. into an unknown place), so fall back to the nearest enclosing one.
    private func baseURI(at location: String) -> SchemaURI {
        var current = Substring(location)
        while true {
            if let base = baseURIs[String(current)] { return base }
            guard let slash = current.lastIndex(of: "/") else { return SchemaURI.defaultBase }
            current = current[..<slash]
        }
    }

    private func value(at location: String) -> JSONValue? {
        guard let tokens = JSONPointer.tokens(location) else { return nil }
        var current = document
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(token), String(index) == token, elements.indices.contains(index) else {
                    return nil
                }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// The node a `$ref` names, resolved against the base URI of the schema holding it.
    mutating func resolveReference(_ text: String, base: SchemaURI, at location: String) throws(SchemaLoadError)
        -> Int
    {
        let target = base.resolving(SchemaURI(parsing: text))
        let resource = target.withoutFragment
        guard let resourceLocation = resources[resource] else {
            throw error(
                location, "$ref", "cannot resolve \"\(text)\": only references within this document are supported")
        }
        let fragment = target.fragment ?? ""
        if fragment.isEmpty { return try node(at: resourceLocation) }
        guard let decoded = fragment.removingPercentEncoding else {
            throw error(location, "$ref", "cannot resolve \"\(text)\": malformed percent-encoding")
        }
        if decoded.hasPrefix("/") {
            let targetLocation = resourceLocation + decoded
            guard JSONPointer.tokens(targetLocation) != nil, value(at: targetLocation) != nil else {
                throw error(location, "$ref", "cannot resolve \"\(text)\": nothing at that pointer")
            }
            return try node(at: targetLocation)
        }
        var anchor = resource
        anchor.fragment = fragment
        guard let anchorLocation = anchors[anchor] else {
            throw error(location, "$ref", "cannot resolve \"\(text)\": no such $anchor")
        }
        return try node(at: anchorLocation)
    }

    /// A cycle through in-place applicators (`$ref`, `allOf`, `not`, ...) revisits the same instance
    /// location forever, whatever the instance; refuse it at load rather than overflow the stack.
    private func refuseInPlaceCycles() throws(SchemaLoadError) {
        var state = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 on the current path, 2 done
        for start in nodes.indices where state[start] == 0 {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            state[start] = 1
            while let top = stack.last {
                let edges = nodes[top.node].inPlaceApplicators
                if top.next < edges.count {
                    stack[stack.count - 1].next += 1
                    let target = edges[top.next]
                    if state[target] == 1 {
                        throw error(locations[target], nil, "the schema applies itself to the same value endlessly")
                    }
                    if state[target] == 0 {
                        state[target] = 1
                        stack.append((target, 0))
                    }
                } else {
                    state[top.node] = 2
                    stack.removeLast()
                }
            }
        }
    }

    func error(_ location: String, _ keyword: String?, _ reason: String) -> SchemaLoadError {
        let pointer = keyword.map { location + "/" + JSONPointer.escape($0) } ?? location
        return SchemaLoadError(pointer: pointer, keyword: keyword, reason: reason)
    }
}
