import Testing
import BerthCore

@Suite struct BerthErrorTests {
    static let cases: [(BerthError, String, String)] = [
        (.invalidArgument(field: "capacity.cpu", message: "must be positive"), "invalid_argument", "capacity.cpu: must be positive"),
        (.invalidArgument(field: "", message: "bad body"), "invalid_argument", "bad body"),
        (.notFound(kind: .node, name: "n1"), "not_found", #"node "n1" not found"#),
        (.conflict("in use"), "conflict", "in use"),
        (.casFailed(kind: .service, name: "web", expected: 3, actual: 5), "cas_failed", #"cas failed: service "web" has modifyIndex 5, not 3"#),
        (.casFailed(kind: .service, name: "web", expected: 3, actual: nil), "cas_failed", #"cas failed: service "web" does not exist (cas=3)"#),
        (.payloadTooLarge(limit: 1024), "payload_too_large", "request body is larger than 1024 bytes"),
        (.unavailable("disk full"), "unavailable", "disk full"),
    ]

    @Test(arguments: cases)
    func codeAndMessage(error: BerthError, code: String, message: String) {
        #expect(error.code == code)
        #expect(error.message == message)
        #expect(error.description == "\(code): \(message)")
    }

    /// The stable `field` member: an invalid argument's input, nothing for any other error.
    @Test(arguments: [
        (BerthError.invalidArgument(field: "update.delay", message: "must be a duration"), "update.delay" as String?),
        (.invalidArgument(field: "ports[1].name", message: "is used twice"), "ports[1].name"),
        (.invalidArgument(field: "", message: "bad request"), "request"),
        (.notFound(kind: .node, name: "n1"), nil),
        (.conflict("in use"), nil),
        (.compacted(after: 1, compactedThrough: 2), nil),
    ])
    func fieldIsForInvalidArgumentsOnly(error: BerthError, field: String?) {
        #expect(error.field == field)
    }

    @Test func compactedMessageSaysWhatToDo() {
        let error = BerthError.compacted(after: 3, compactedThrough: 40)
        #expect(error.code == "compacted")
        #expect(error.message.contains("after index 3"))
        #expect(error.message.contains("compacted through 40"))
    }
}
