import BerthCore
import Foundation

/// One service's data-plane document, the API's `target` object (VIP, ports, algorithm,
/// healthy targets, ingress rules, members), decoded once into BerthCore's typed
/// `ServiceTargets`. A document that does not decode (a rule with an unknown protocol, a source
/// naming neither a service nor a CIDR) is kept as its service's name and the reason: it stops
/// the programming of its own service only (`ServiceRulesView`), and is never read as fewer
/// rules, which would widen them.
enum ServiceDocument: Sendable, Hashable, Decodable {
    case readable(ServiceTargets)
    case unreadable(service: String, reason: String)

    var service: String {
        switch self {
        case .readable(let document): document.service
        case .unreadable(let service, _): service
        }
    }

    init(from decoder: any Decoder) throws {
        do {
            self = .readable(try ServiceTargets(from: decoder))
        } catch {
            // Without even a name the document cannot be told apart: the whole answer fails.
            struct Name: Decodable { var service: String }
            self = .unreadable(service: try Name(from: decoder).service, reason: Self.describe(error))
        }
    }

    /// A decoding error as one line: where in the document, and what.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c): context = c
        @unknown default: return "\(error)"
        }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        var what = context.debugDescription
        if case .keyNotFound(let key, _) = error { what = "\(key.stringValue) is missing" }
        return path.isEmpty ? what : "\(path.hasPrefix(".") ? String(path.dropFirst()) : path): \(what)"
    }
}
