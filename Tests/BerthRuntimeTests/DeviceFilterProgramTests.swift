import Testing

@testable import BerthRuntime

/// The v2 device filter as a pure function: the allow list parses without loss, the encoding
/// is the kernel's `struct bpf_insn`, and the generated program, run by a small interpreter
/// of the instructions it uses, allows exactly what the v1 rules allow.
struct DeviceFilterProgramTests {
    @Test func everyAllowedDeviceLineParsesAndPrintsBack() {
        #expect(Cgroups.deviceRules.count == Cgroups.allowedDevices.count, "no line dropped")
        #expect(Cgroups.deviceRules.map(\.description) == Cgroups.allowedDevices)
    }

    @Test(arguments: [
        ("c 1:3 rwm", DeviceRule(.char, major: 1, minor: 3, access: .all)),
        ("b *:* m", DeviceRule(.block, major: nil, minor: nil, access: .mknod)),
        ("c 136:* rw", DeviceRule(.char, major: 136, minor: nil, access: [.read, .write])),
        ("a *:* r", DeviceRule(.all, major: nil, minor: nil, access: .read)),
        ("b 4095:1048575 w", DeviceRule(.block, major: 4095, minor: 1_048_575, access: .write)),
    ])
    func parses(text: String, rule: DeviceRule) {
        #expect(DeviceRule(text) == rule)
    }

    @Test(arguments: ["", "c 1:3", "x 1:3 rwm", "c 1 rwm", "c 1:3 rwx", "c 1:3 ", "c -1:3 r", "c 4096:0 r", "c 1:1048576 r", "cc 1:3 r", "c 1:3:4 r"])
    func refuses(text: String) {
        #expect(DeviceRule(text) == nil)
    }

    @Test(arguments: [
        (BPFInstruction.loadWord(2, from: 1, offset: 4), [0x61, 0x12, 4, 0, 0, 0, 0, 0] as [UInt8]),
        (.and32(2, 0xffff), [0x54, 0x02, 0, 0, 0xff, 0xff, 0, 0]),
        (.shiftRight32(3, 16), [0x74, 0x03, 0, 0, 16, 0, 0, 0]),
        (.move32(6, register: 3), [0xbc, 0x36, 0, 0, 0, 0, 0, 0]),
        (.move32(0, 1), [0xb4, 0x00, 0, 0, 1, 0, 0, 0]),
        (.and32(6, -2), [0x54, 0x06, 0, 0, 0xfe, 0xff, 0xff, 0xff]),
        (.jumpIfNotEqual(4, 136, offset: 3), [0x55, 0x04, 3, 0, 136, 0, 0, 0]),
        (.exit, [0x95, 0, 0, 0, 0, 0, 0, 0]),
    ])
    func encodesAsTheKernelReads(instruction: BPFInstruction, bytes: [UInt8]) {
        #expect(instruction.encoded == bytes)
    }

    @Test func aRuleIsAChainOfTestsThatSkipToTheNextBlock() {
        // c 1:3 rwm: type, major, minor (no access test: every access is allowed).
        #expect(DeviceFilterProgram.block(for: DeviceRule("c 1:3 rwm")!) == [
            .jumpIfNotEqual(2, 2, offset: 4), .jumpIfNotEqual(4, 1, offset: 3), .jumpIfNotEqual(5, 3, offset: 2),
            .move32(0, 1), .exit,
        ])
        // b *:* m: type, then no access bit other than mknod.
        #expect(DeviceFilterProgram.block(for: DeviceRule("b *:* m")!) == [
            .jumpIfNotEqual(2, 1, offset: 5), .move32(6, register: 3), .and32(6, Int32(bitPattern: ~1)), .jumpIfNotEqual(6, 0, offset: 2),
            .move32(0, 1), .exit,
        ])
        #expect(DeviceFilterProgram.block(for: DeviceRule("a *:* rwm")!) == [.move32(0, 1), .exit])
        let program = DeviceFilterProgram.instructions(allowing: [])
        #expect(program.suffix(2) == [.move32(0, 0), .exit], "no rule: everything denied")
    }

    /// Each case is one access written as a rule line without wildcards ("c 1:3 r": reading
    /// char 1:3), and whether runc's list allows it.
    @Test(arguments: [
        ("c 1:3 r", true), ("c 1:3 rw", true), ("c 1:5 r", true), ("c 1:7 w", true), ("c 1:8 r", true), ("c 1:9 r", true),  // null … urandom
        ("c 5:0 rw", true), ("c 5:1 w", true), ("c 5:2 rw", true), ("c 136:0 rw", true), ("c 136:4711 r", true),  // tty, console, ptmx, pts
        ("c 1:11 r", false), ("c 1:1 r", false), ("c 1:2 r", false), ("c 10:232 rw", false), ("c 4:0 w", false),  // kmsg, mem, kmem, kvm, tty0
        ("b 7:0 r", false), ("b 8:0 rw", false), ("b 1:3 r", false), ("b 3:0 r", false),  // loop0, sda, block devices with allowed numbers
        ("b 8:0 m", true), ("c 1:11 m", true),  // making any node is allowed
        ("b 8:0 rm", false),  // but not more with it
    ])
    func theProgramAllowsWhatTheRulesAllow(request: String, allowed: Bool) throws {
        let wanted = try #require(DeviceRule(request))
        let (major, minor) = (try #require(wanted.major), try #require(wanted.minor))
        let program = DeviceFilterProgram.instructions(allowing: Cgroups.deviceRules)
        #expect(Cgroups.deviceRules.contains { $0.allows(wanted.kind, major: major, minor: minor, access: wanted.access) } == allowed, "the reference")
        #expect(try BPFInterpreter.run(program, type: wanted.kind, major: major, minor: minor, access: wanted.access) == allowed)
    }

    /// Every type, access and a spread of numbers, for several rule lists: the program and
    /// the rules never disagree.
    @Test(arguments: [
        Cgroups.allowedDevices, ["a *:* rwm"], ["a *:* r"], ["b 8:* rw", "c *:3 m"], ["c 1:3 w", "c 1:3 r"], [],
    ])
    func theProgramAndTheRulesAgreeEverywhere(lines: [String]) throws {
        let rules = lines.map { DeviceRule($0)! }
        let program = DeviceFilterProgram.instructions(allowing: rules)
        let accesses: [DeviceRule.Access] = (1...7).map { DeviceRule.Access(rawValue: $0) }
        for type in [DeviceRule.Kind.char, .block] {
            for major: UInt32 in [0, 1, 3, 5, 7, 8, 136, 4095] {
                for minor: UInt32 in [0, 1, 3, 5, 9, 11, 1_048_575] {
                    for access in accesses {
                        let expected = rules.contains { $0.allows(type, major: major, minor: minor, access: access) }
                        let got = try BPFInterpreter.run(program, type: type, major: major, minor: minor, access: access)
                        #expect(got == expected, "\(lines) \(type) \(major):\(minor) \(access.rawValue)")
                    }
                }
            }
        }
    }
}

/// Runs the few instructions `DeviceFilterProgram` emits as the kernel would, on one
/// `bpf_cgroup_dev_ctx`. Anything else is an error, as is running off the end.
enum BPFInterpreter {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func run(_ program: [BPFInstruction], type: DeviceRule.Kind, major: UInt32, minor: UInt32, access: DeviceRule.Access) throws -> Bool {
        let typeBits: UInt32 = type == .block ? 1 : 2
        let context: [UInt32] = [access.rawValue << 16 | typeBits, major, minor]
        var registers = [UInt64](repeating: 0, count: 11)
        var pc = 0
        var steps = 0
        while pc < program.count, steps < 10_000 {
            let instruction = program[pc]
            let dst = Int(instruction.destination), src = Int(instruction.source)
            let immediate = UInt64(bitPattern: Int64(instruction.immediate))  // sign-extended
            pc += 1
            steps += 1
            switch instruction.opcode {
            case 0x61:
                guard src == 1, instruction.offset % 4 == 0, (0..<3).contains(Int(instruction.offset) / 4) else {
                    throw Failure(description: "load outside the context: \(instruction)")
                }
                registers[dst] = UInt64(context[Int(instruction.offset) / 4])
            case 0x54: registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[dst]) & UInt32(truncatingIfNeeded: immediate))
            case 0x74: registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[dst]) >> UInt32(instruction.immediate))
            case 0xbc: registers[dst] = UInt64(UInt32(truncatingIfNeeded: registers[src]))
            case 0xb4: registers[dst] = UInt64(UInt32(bitPattern: instruction.immediate))
            case 0x55: if registers[dst] != immediate { pc += Int(instruction.offset) }
            case 0x95:
                guard registers[0] <= 1 else { throw Failure(description: "returned \(registers[0])") }
                return registers[0] == 1
            default: throw Failure(description: "unexpected instruction \(instruction)")
            }
        }
        throw Failure(description: "ran off the end at \(pc)")
    }
}
