import Foundation
import Testing
import BerthCore

@Suite struct StrictDecodingTests {
    static let node = #"{"address":"10.0.0.1","capacity":{"cpu":2000,"memory":4096}}"#

    // MARK: unknown fields

    @Test func unknownNodeSpecFieldIsRejected() {
        let error = decodingError(NodeSpec.self, #"{"address":"10.0.0.1","capacity":{"cpu":1,"memory":1},"adress":"x"}"#)
        #expect(error == .invalidArgument(field: "adress", message: "unknown field"))
    }

    @Test func unknownNestedCapacityFieldIsRejected() {
        let error = decodingError(NodeSpec.self, #"{"address":"10.0.0.1","capacity":{"cpu":1,"memory":1,"gpu":2}}"#)
        #expect(error == .invalidArgument(field: "capacity.gpu", message: "unknown field"))
    }

    @Test(arguments: [
        (#"{"template":{"image":"nginx","imagee":"x"}}"#, "template.imagee"),
        (#"{"replica":3,"template":{"image":"nginx"}}"#, "replica"),
        (#"{"template":{"image":"nginx","resources":{"cpu":1,"memory":1,"disk":1}}}"#, "template.resources.disk"),
        (#"{"template":{"image":"nginx","ports":[{"name":"http","containerPort":80},{"name":"x","containerPort":1,"hostIP":"0.0.0.0"}]}}"#, "template.ports[1].hostIP"),
        (#"{"template":{"image":"nginx","healthCheck":{"http":"/","retries":3}}}"#, "template.healthCheck.retries"),
        (#"{"template":{"image":"nginx"},"placement":{"preferences":[{"constraint":"node.name==a","wieght":2}]}}"#, "placement.preferences[0].wieght"),
        (#"{"template":{"image":"nginx"},"ports":[{"port":80,"targetPort":80,"proto":"tcp"}]}"#, "ports[0].proto"),
        (#"{"template":{"image":"nginx"},"loadBalancer":{"algorithm":"roundRobin","sticky":true}}"#, "loadBalancer.sticky"),
        (#"{"template":{"image":"nginx"},"update":{"parallelism":2,"failureAction":"pause"}}"#, "update.failureAction"),
    ])
    func unknownServiceSpecFieldIsRejected(json: String, field: String) {
        #expect(decodingError(ServiceSpec.self, json) == .invalidArgument(field: field, message: "unknown field"))
    }

    @Test func containerSpecCarriesTemplateInlineAndStillRejectsUnknownFields() throws {
        let spec = try decode(ContainerSpec.self, #"{"name":"c1","image":"redis","command":["redis-server"],"labels":{"tier":"cache"}}"#)
        #expect(spec.name == "c1")
        #expect(spec.template.image == "redis")
        #expect(spec.template.command == ["redis-server"])
        #expect(spec.labels == ["tier": "cache"])

        #expect(decodingError(ContainerSpec.self, #"{"image":"redis","template":{"image":"x"}}"#)
            == .invalidArgument(field: "template", message: "unknown field"))
        #expect(decodingError(ContainerSpec.self, #"{"image":"redis","resources":{"cpu":1,"memory":1,"x":1}}"#)
            == .invalidArgument(field: "resources.x", message: "unknown field"))
    }

    @Test func statusReportAndNetworkSpecAreStrict() {
        #expect(decodingError(StatusReport.self, #"{"state":"running","pid":7}"#) == .invalidArgument(field: "pid", message: "unknown field"))
        #expect(decodingError(NetworkSpec.self, #"{"subnet":"10.0.0.0/16","gateway":"10.0.0.1"}"#) == .invalidArgument(field: "gateway", message: "unknown field"))
    }

    // MARK: other decoding failures name the field

    @Test func missingRequiredFieldIsNamed() {
        #expect(decodingError(NodeSpec.self, #"{"address":"10.0.0.1"}"#) == .invalidArgument(field: "capacity", message: "is required"))
        #expect(decodingError(NodeSpec.self, #"{"address":"10.0.0.1","capacity":{"cpu":1}}"#) == .invalidArgument(field: "capacity.memory", message: "is required"))
        #expect(decodingError(ServiceSpec.self, #"{"replicas":2}"#) == .invalidArgument(field: "template", message: "is required"))
        #expect(decodingError(ServiceSpec.self, #"{"template":{"image":"x","ports":[{"name":"a"}]}}"#) == .invalidArgument(field: "template.ports[0].containerPort", message: "is required"))
    }

    @Test func wrongTypeIsNamed() {
        #expect(decodingError(ServiceSpec.self, #"{"replicas":"3","template":{"image":"x"}}"#) == .invalidArgument(field: "replicas", message: "expected an integer"))
        #expect(decodingError(ServiceSpec.self, #"{"template":{"image":7}}"#) == .invalidArgument(field: "template.image", message: "expected a string"))
        #expect(decodingError(NodeSpec.self, #"{"address":null,"capacity":{"cpu":1,"memory":1}}"#) == .invalidArgument(field: "address", message: "expected a string, got null"))
        #expect(decodingError(NodeSpec.self, #"{"address":"a","capacity":[]}"#)?.field == "capacity")
    }

    @Test func unknownEnumValueIsNamed() {
        let error = decodingError(NodeSpec.self, #"{"address":"a","capacity":{"cpu":1,"memory":1},"availability":"paused"}"#)
        #expect(error?.field == "availability")
        let policy = decodingError(ServiceSpec.self, #"{"template":{"image":"x","restartPolicy":"sometimes"}}"#)
        #expect(policy?.field == "template.restartPolicy")
    }

    @Test func invalidJSONIsABodyError() {
        #expect(decodingError(NodeSpec.self, #"{"address":"#)?.field == "body")
        #expect(decodingError(NodeSpec.self, "")?.field == "body")
    }

    @Test func fieldPathRendersIndexes() {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int?
            init(stringValue: String) { self.stringValue = stringValue }
            init(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
        }
        #expect(fieldPath([Key(stringValue: "template"), Key(stringValue: "ports"), Key(intValue: 1), Key(stringValue: "containerPort")])
            == "template.ports[1].containerPort")
        #expect(fieldPath([Key(stringValue: "constraints"), Key(intValue: 0)]) == "constraints[0]")
        #expect(fieldPath([]) == "")
    }

    // MARK: defaults

    @Test func nodeSpecDefaults() throws {
        let spec = try decode(NodeSpec.self, Self.node)
        #expect(spec == NodeSpec(address: "10.0.0.1", labels: [:], capacity: Resources(cpu: 2000, memory: 4096), availability: .active))
    }

    @Test func serviceSpecDefaults() throws {
        let spec = try decode(ServiceSpec.self, #"{"template":{"image":"nginx","ports":[{"name":"http","containerPort":80}],"healthCheck":{"http":"/"}},"ports":[{"port":80,"targetPort":80}]}"#)
        #expect(spec.mode == .replicated)
        #expect(spec.replicas == 1)
        #expect(spec.constraints == [])
        #expect(spec.placement == Placement(strategy: .spread, spreadBy: [], maxPerNode: 0, preferences: []))
        #expect(spec.loadBalancer.algorithm == .roundRobin)
        #expect(spec.update == UpdateConfig(parallelism: 1, order: .stopFirst, delay: .zero))
        #expect(spec.template.resources == Resources(cpu: 100, memory: 64))
        #expect(spec.template.restartPolicy == .always)
        #expect(spec.template.command == [])
        #expect(spec.template.env == [:])
        #expect(spec.template.ports == [ContainerPort(name: "http", containerPort: 80, protocol: .tcp)])
        #expect(spec.template.healthCheck == HealthCheck(http: "/", interval: .seconds(5), timeout: .seconds(2)))
        #expect(spec.ports == [ServicePort(name: nil, port: 80, targetPort: 80, protocol: .tcp)])
        try spec.validate()
    }

    @Test func preferenceWeightDefaultsToOne() throws {
        let placement = try decode(Placement.self, #"{"preferences":[{"constraint":"node.labels.ssd exists"}]}"#)
        #expect(placement.preferences == [Preference(constraint: "node.labels.ssd exists", weight: 1)])
    }

    @Test func encodedSpecDecodesBackStrictly() throws {
        let spec = ServiceSpec(
            mode: .global, replicas: 3,
            template: ContainerTemplate(image: "nginx", command: ["a"], env: ["K": "v"], ports: [ContainerPort(name: "http", containerPort: 80)], restartPolicy: .onFailure),
            constraints: ["node.labels.zone==a"], placement: Placement(strategy: .binpack, spreadBy: ["node.labels.zone"], maxPerNode: 2),
            ports: [ServicePort(name: "web", port: 80, targetPort: 80)], loadBalancer: LoadBalancer(algorithm: .leastConn),
            update: UpdateConfig(parallelism: 2, order: .startFirst, delay: .seconds(10))
        )
        let data = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(ServiceSpec.self, from: data) == spec)
    }

    // MARK: validation names the field

    @Test(arguments: [
        (#"{"address":"10.0.0.1","capacity":{"cpu":0,"memory":1}}"#, "capacity.cpu"),
        (#"{"address":"10.0.0.1","capacity":{"cpu":1,"memory":0}}"#, "capacity.memory"),
        (#"{"address":"10.0.0.1","capacity":{"cpu":1000001,"memory":1}}"#, "capacity.cpu"),
        (#"{"address":"10.0.0.1","capacity":{"cpu":1,"memory":16777217}}"#, "capacity.memory"),
        (#"{"address":"not an address","capacity":{"cpu":1,"memory":1}}"#, "address"),
        (#"{"address":"10.0.0.1","labels":{"zone":"a b"},"capacity":{"cpu":1,"memory":1}}"#, "labels.zone"),
    ])
    func nodeSpecValidationNamesField(json: String, field: String) throws {
        let spec = try decode(NodeSpec.self, json)
        let error = #expect(throws: BerthError.self) { try spec.validate() }
        #expect(error?.field == field, "got \(String(describing: error))")
    }

    @Test(arguments: [
        (#"{"template":{"image":"x","ports":[{"name":"http","containerPort":70000}]}}"#, "template.ports[0].containerPort"),
        (#"{"template":{"image":"x","ports":[{"name":"a","containerPort":80},{"name":"a","containerPort":81}]}}"#, "template.ports[1].name"),
        (#"{"template":{"image":"x","ports":[{"name":"Http","containerPort":80}]}}"#, "template.ports[0].name"),
        (#"{"template":{"image":""}}"#, "template.image"),
        (#"{"template":{"image":"x","env":{"BAD-NAME":"v"}}}"#, "template.env.BAD-NAME"),
        (#"{"template":{"image":"x","resources":{"cpu":-1,"memory":64}}}"#, "template.resources.cpu"),
        (#"{"template":{"image":"x","healthCheck":{"http":"/"}}}"#, "template.healthCheck"),
        (#"{"template":{"image":"x","ports":[{"name":"h","containerPort":80}],"healthCheck":{"http":"health"}}}"#, "template.healthCheck.http"),
        (#"{"template":{"image":"x","ports":[{"name":"h","containerPort":80}],"healthCheck":{"http":"/","interval":"50ms"}}}"#, "template.healthCheck.interval"),
        (#"{"replicas":-1,"template":{"image":"x"}}"#, "replicas"),
        (#"{"template":{"image":"x"},"ports":[{"port":0,"targetPort":80}]}"#, "ports[0].port"),
        (#"{"template":{"image":"x"},"ports":[{"port":80,"targetPort":80},{"name":"Web","port":81,"targetPort":81}]}"#, "ports[1].name"),
        (#"{"template":{"image":"x"},"update":{"parallelism":0}}"#, "update.parallelism"),
        (#"{"template":{"image":"x"},"placement":{"spreadBy":["node.zone"]}}"#, "placement.spreadBy[0]"),
        (#"{"template":{"image":"x"},"placement":{"maxPerNode":-1}}"#, "placement.maxPerNode"),
        (#"{"template":{"image":"x"},"placement":{"preferences":[{"constraint":"node.name==a","weight":0}]}}"#, "placement.preferences[0].weight"),
    ])
    func serviceSpecValidationNamesField(json: String, field: String) throws {
        let spec = try decode(ServiceSpec.self, json)
        let error = #expect(throws: BerthError.self) { try spec.validate() }
        #expect(error?.field == field, "got \(String(describing: error))")
    }

    /// Constraints and durations are parsed as they are decoded, once: a malformed one fails the
    /// decoding, and the error names its field as a validation error would.
    @Test(arguments: [
        (#"{"template":{"image":"x"},"constraints":["node.labels.zone==a","node.labels.zone=b"]}"#, "constraints[1]"),
        (#"{"template":{"image":"x"},"update":{"delay":"soon"}}"#, "update.delay"),
        (#"{"template":{"image":"x"},"update":{"delay":"25h"}}"#, "update.delay"),
        (#"{"template":{"image":"x"},"placement":{"preferences":[{"constraint":"node.name=a"}]}}"#, "placement.preferences[0].constraint"),
        (#"{"template":{"image":"x","ports":[{"name":"h","containerPort":80}],"healthCheck":{"http":"/","timeout":"2"}}}"#, "template.healthCheck.timeout"),
    ])
    func serviceSpecDecodingNamesField(json: String, field: String) throws {
        let error = #expect(throws: DecodingError.self) { try decode(ServiceSpec.self, json) }
        #expect(error.map(BerthError.from(decoding:))?.field == field, "got \(String(describing: error))")
    }

    @Test func malformedConstraintErrorQuotesTheExpression() throws {
        let decoding = #expect(throws: DecodingError.self) {
            try decode(ServiceSpec.self, #"{"template":{"image":"x"},"constraints":["node.labels.zone==a","node.labels.zone = b"]}"#)
        }
        let error = decoding.map(BerthError.from(decoding:))
        #expect(error?.field == "constraints[1]")
        #expect(error?.argumentMessage?.hasPrefix(#"invalid constraint "node.labels.zone = b": "#) == true)
    }

    @Test func containerSpecValidationUsesInlineFieldNames() throws {
        let spec = try decode(ContainerSpec.self, #"{"image":"x","ports":[{"name":"h","containerPort":0}]}"#)
        let error = #expect(throws: BerthError.self) { try spec.validate() }
        #expect(error?.field == "ports[0].containerPort")

        let named = try decode(ContainerSpec.self, #"{"name":"Bad_Name","image":"x"}"#)
        #expect((#expect(throws: BerthError.self) { try named.validate() })?.field == "name")
    }

    @Test func statusReportValidation() throws {
        try StatusReport(state: .exited, exitCode: 255, hostPorts: ["http": 8080]).validate()
        #expect((#expect(throws: BerthError.self) { try StatusReport(state: .exited, exitCode: 256).validate() })?.field == "exitCode")
        #expect((#expect(throws: BerthError.self) { try StatusReport(state: .running, hostPorts: ["http": 0]).validate() })?.field == "hostPorts.http")
    }

    @Test func networkSpecValidation() throws {
        let cidr = try NetworkSpec(subnet: "10.88.0.0/16").validate()
        #expect(cidr.description == "10.88.0.0/16")
        #expect((#expect(throws: BerthError.self) { try NetworkSpec(subnet: "10.88.0.1/16").validate() })?.field == "subnet")
        #expect((#expect(throws: BerthError.self) { try NetworkSpec(subnet: "10.88.0.0/16", nodePrefix: 12).validate() })?.field == "nodePrefix")
        #expect((#expect(throws: BerthError.self) { try NetworkSpec(subnet: "10.0.0.0/31").validate() })?.field == "subnet prefix")
    }
}
