/// In JSON a schedule is its expression, parsed as it is decoded: a job with a malformed
/// schedule is a 400 naming the field (`schedule: day-of-month: "32" is out of range 1-31`).
extension CronSchedule: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard text.utf8.count <= 256 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "longer than 256 bytes")
        }
        do {
            self = try CronSchedule(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(expression)
    }
}
