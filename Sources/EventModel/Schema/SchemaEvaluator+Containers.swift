/// The array and object keywords, and the duplicate-name check.
extension SchemaEvaluator {
    mutating func checkArray(_ elements: [JSONValue], _ rules: SchemaRules.ArrayRules) -> Bool {
        var valid = true
        if let minimum = rules.minItems, elements.count < minimum {
            report("must have at least \(minimum) item\(minimum == 1 ? "" : "s")")
            valid = false
            guard continues else { return false }
        }
        if let maximum = rules.maxItems, elements.count > maximum {
            report("must have at most \(maximum) item\(maximum == 1 ? "" : "s")")
            valid = false
            guard continues else { return false }
        }
        if rules.uniqueItems, elements.count > 1 {
            var firstIndex: [JSONValue: Int] = [:]
            for (index, element) in elements.enumerated() {
                if let first = firstIndex[element] {
                    report("must be unique, but equals item \(first)", at: .index(index))
                    valid = false
                    guard continues else { return false }
                } else {
                    firstIndex[element] = index
                }
            }
        }
        for (index, schema) in rules.prefixItems.enumerated() where index < elements.count {
            if !evaluate(schema, elements[index], at: .index(index)) {
                valid = false
                guard continues else { return false }
            }
        }
        if let items = rules.items, elements.count > rules.prefixItems.count {
            for index in rules.prefixItems.count..<elements.count
            where !evaluate(items, elements[index], at: .index(index)) {
                valid = false
                guard continues else { return false }
            }
        }
        if let contains = rules.contains {
            let minimum = rules.minContains ?? 1
            var matches = 0
            for element in elements where probe(contains, element) {
                matches += 1
                if rules.maxContains == nil && matches >= minimum { break }
            }
            if matches < minimum {
                report("must contain at least \(minimum) item\(minimum == 1 ? "" : "s") matching contains")
                valid = false
                guard continues else { return false }
            }
            if let maximum = rules.maxContains, matches > maximum {
                report("must contain at most \(maximum) item\(maximum == 1 ? "" : "s") matching contains")
                valid = false
            }
        }
        return valid
    }

    mutating func checkObject(_ object: JSONObject, _ rules: SchemaRules.ObjectRules) -> Bool {
        var valid = true
        if let minimum = rules.minProperties, object.count < minimum {
            report("must have at least \(minimum) propert\(minimum == 1 ? "y" : "ies")")
            valid = false
            guard continues else { return false }
        }
        if let maximum = rules.maxProperties, object.count > maximum {
            report("must have at most \(maximum) propert\(maximum == 1 ? "y" : "ies")")
            valid = false
            guard continues else { return false }
        }
        for name in rules.required where object[name] == nil {
            report("is required", at: .name(name))
            valid = false
            guard continues else { return false }
        }
        for (trigger, names) in rules.dependentRequired where object[trigger] != nil {
            for name in names where object[name] == nil {
                report("is required when \"\(trigger)\" is present", at: .name(name))
                valid = false
                guard continues else { return false }
            }
        }
        for member in object.members {
            if !checkMember(member, rules) {
                valid = false
                guard continues else { return false }
            }
        }
        for (trigger, schema) in rules.dependentSchemas where object[trigger] != nil {
            if !evaluate(schema, .object(object)) {
                valid = false
                guard continues else { return false }
            }
        }
        return valid
    }

    /// `properties`, `patternProperties`, `additionalProperties` and `propertyNames` for one member.
    private mutating func checkMember(_ member: JSONObject.Member, _ rules: SchemaRules.ObjectRules) -> Bool {
        var valid = true
        let token = PathToken.name(member.name)
        if let names = rules.propertyNames, !probe(names, .string(member.name)) {
            report("is not an allowed property name (propertyNames)", at: token)
            valid = false
            guard continues else { return false }
        }
        var matched = false
        if let schema = rules.properties[MemberName(member.name)] {
            matched = true
            if !evaluate(schema, member.value, at: token) {
                valid = false
                guard continues else { return false }
            }
        }
        for (pattern, schema) in rules.patternProperties where pattern.matches(member.name) {
            matched = true
            if !evaluate(schema, member.value, at: token) {
                valid = false
                guard continues else { return false }
            }
        }
        if !matched, let additional = rules.additionalProperties {
            if nodes[additional].rules.constant == false {
                report("is not an allowed property", at: token)
                valid = false
            } else if !evaluate(additional, member.value, at: token) {
                valid = false
            }
        }
        return valid
    }

    /// Reports each repeated member name, as the envelope decoder does: a consumer that keeps the
    /// last occurrence (PostgreSQL's `jsonb` does) must not see a value nobody validated alone.
    mutating func reportDuplicateNames(_ value: JSONValue) {
        switch value {
        case .object(let object):
            var seen: Set<MemberName> = []
            for member in object.members {
                if object.hasDuplicateNames, !seen.insert(MemberName(member.name)).inserted {
                    report("duplicate field", at: .name(member.name))
                }
                path.append(.name(member.name))
                reportDuplicateNames(member.value)
                path.removeLast()
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                path.append(.index(index))
                reportDuplicateNames(element)
                path.removeLast()
            }
        default:
            break
        }
    }

    func hasNoDuplicateNames(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object):
            !object.hasDuplicateNames && object.members.allSatisfy { hasNoDuplicateNames($0.value) }
        case .array(let elements):
            elements.allSatisfy { hasNoDuplicateNames($0) }
        default:
            true
        }
    }
}
