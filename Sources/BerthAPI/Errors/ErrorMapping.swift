import BerthCore
import BerthStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The one place where failures become HTTP: a status and the stable body
/// `{"error":{"code":"...","field":"...","message":"..."}}` (`field` only for
/// `invalid_argument`). Anything unrecognised is logged in full and shown to the client as a
/// bare 500, so internals never leak.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    /// The input an `invalid_argument` is about (see `BerthError.field`); nil for other codes.
    var field: String?
    var message: String
    /// Extra response headers, such as `Allow` on a 405.
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: String, field: String? = nil, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.field = field
        self.message = message
        self.headers = headers
    }

    init(_ error: BerthError) {
        let status: HTTPResponse.Status = switch error {
        case .invalidArgument: .badRequest
        case .notFound: .notFound
        case .conflict, .casFailed: .conflict
        case .compacted, .listExpired: .gone
        case .payloadTooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        }
        self.init(status: status, code: error.code, field: error.field, message: error.message)
    }

    /// Maps any error thrown while serving a request.
    static func from(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as BerthError:
            return APIError(error)
        case let error as DecodingError:
            return APIError(BerthError.from(decoding: error))
        case let error as HTTPError:
            return fromHTTPError(error)
        default:
            logger.error("internal error", metadata: ["error": "\(String(reflecting: error))"])
            return APIError(status: .internalServerError, code: "internal", message: "internal server error")
        }
    }

    private static func fromHTTPError(_ error: HTTPError) -> APIError {
        switch error.status {
        case .contentTooLarge:
            return APIError(.payloadTooLarge(limit: RequestBody.maxBytes))
        case .notFound:
            return APIError(status: .notFound, code: "not_found", message: error.body ?? "no such route")
        case .methodNotAllowed:
            return APIError(status: .methodNotAllowed, code: "method_not_allowed", message: "method not allowed on this route")
        default:
            // Hummingbird's own 4xx: the request as a whole is at fault.
            let invalid = error.status.code < 500
            return APIError(
                status: error.status, code: invalid ? "invalid_argument" : "internal", field: invalid ? "request" : nil,
                message: error.body ?? error.status.reasonPhrase
            )
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }

    /// The stable error body; also the data of an event stream's `error` event.
    var body: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString(#"{"error":{"code":"#)
        buffer.writeString(JSONText.quote(code))
        if let field {
            buffer.writeString(#","field":"#)
            buffer.writeString(JSONText.quote(field))
        }
        buffer.writeString(#","message":"#)
        buffer.writeString(JSONText.quote(message))
        buffer.writeString("}}")
        return buffer
    }
}

extension APIError {
    /// The answer to any error thrown while serving `request`, including the router's own 404
    /// for unknown paths, which becomes a 405 (with `Allow`) when the path is known but the
    /// method is not.
    static func response(for error: any Error, request: Request, context: some RequestContext, routes: RouteCatalog) throws -> Response {
        if let error = error as? HTTPError, error.status == .notFound, error.body == nil {
            let allowed = routes.methods(for: request.uri.path)
            if !allowed.isEmpty {
                let allow = allowed.sorted().joined(separator: ", ")
                return try APIError(
                    status: .methodNotAllowed, code: "method_not_allowed",
                    message: "\(request.method.rawValue) is not allowed on \(request.uri.path.prefix(200)); allowed: \(allow)",
                    headers: [.allow: allow]
                ).response(from: request, context: context)
            }
        }
        return try from(error, logger: context.logger).response(from: request, context: context)
    }
}
