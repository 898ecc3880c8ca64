import Foundation

/// The parts of `api-spec/openapi.yaml` the conformance tests compare with the server: each
/// operation (method and path template) and the statuses it documents.
///
/// The spec keeps a fixed layout (two spaces per level, quoted status codes), which lets a line
/// scanner read it without a YAML library; the spec itself is validated by openapi-spec-validator.
struct OpenAPIDocument: Sendable {
    struct Operation: Hashable, Sendable {
        var method: String
        var path: String
    }

    var statuses: [Operation: Set<Int>] = [:]

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let shared: OpenAPIDocument = {
        let text = try! String(contentsOf: repositoryRoot.appendingPathComponent("api-spec/openapi.yaml"), encoding: .utf8)
        return OpenAPIDocument(yaml: text)
    }()

    /// `api-spec/consul.yaml`, the Consul-compatible catalog's contract.
    static let consul: OpenAPIDocument = {
        let text = try! String(contentsOf: repositoryRoot.appendingPathComponent("api-spec/consul.yaml"), encoding: .utf8)
        return OpenAPIDocument(yaml: text)
    }()

    init(yaml: String) {
        var inPaths = false
        var path: String?
        var operation: Operation?
        var inResponses = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" "), !line.isEmpty {
                inPaths = line.hasPrefix("paths:")
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
                operation = nil
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let word = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "put", "post", "delete", "patch", "head"].contains(String(word)) {
                    operation = Operation(method: word.uppercased(), path: path)
                    statuses[operation!] = []
                } else {
                    operation = nil
                }
                inResponses = false
            } else if operation != nil, line.hasPrefix("      "), !line.hasPrefix("       ") {
                inResponses = line.trimmingCharacters(in: .whitespaces) == "responses:"
            } else if let op = operation, inResponses, line.hasPrefix("        '"), !line.hasPrefix("         ") {
                let code = line.trimmingCharacters(in: .whitespaces).dropFirst().prefix(3)
                if let status = Int(code) { statuses[op, default: []].insert(status) }
            }
        }
    }

    /// The spec operation a concrete request path belongs to.
    func operation(method: String, path: String) -> Operation? {
        let concrete = path.split(separator: "?").first.map(String.init) ?? path
        let parts = concrete.split(separator: "/", omittingEmptySubsequences: false)
        return statuses.keys.first { op in
            guard op.method == method else { return false }
            let template = op.path.split(separator: "/", omittingEmptySubsequences: false)
            guard template.count == parts.count else { return false }
            return zip(template, parts).allSatisfy { t, p in (t.hasPrefix("{") && t.hasSuffix("}") && !p.isEmpty) || t == p }
        }
    }
}
