import ArgumentParser

struct LBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lb", abstract: "Follow service targets into a load balancer configuration.")

    func run() async throws {}
}
