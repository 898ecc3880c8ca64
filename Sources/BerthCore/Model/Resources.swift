/// CPU in millicores and memory in MiB: a node's capacity, or a container's request.
public struct Resources: Sendable, Hashable, Codable, StrictDecodable {
    public var cpu: Int
    public var memory: Int

    public init(cpu: Int, memory: Int) {
        self.cpu = cpu
        self.memory = memory
    }

    public static let zero = Resources(cpu: 0, memory: 0)

    public static func + (a: Resources, b: Resources) -> Resources {
        Resources(cpu: a.cpu + b.cpu, memory: a.memory + b.memory)
    }

    public static func - (a: Resources, b: Resources) -> Resources {
        Resources(cpu: a.cpu - b.cpu, memory: a.memory - b.memory)
    }

    /// Whether `request` fits in what is left of `self`.
    public func fits(_ request: Resources) -> Bool {
        request.cpu <= cpu && request.memory <= memory
    }

    public static let maxCPU = 1_000_000
    public static let maxMemory = 16_777_216
}
