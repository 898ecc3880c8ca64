/// The cgroup v2 equivalent of v1's devices allow-list: a `BPF_PROG_TYPE_CGROUP_DEVICE`
/// program, generated from the same `DeviceRule`s, that the kernel runs on every open and
/// mknod of a device node by a process in the cgroup (as runc and crun do). Pure: rules in,
/// instructions out; `DeviceFilterLoader` loads and attaches them.
///
/// The kernel passes `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }`
/// in r1, the device type (BPF_DEVCG_DEV_BLOCK 1, CHAR 2) in the low 16 bits of access_type
/// and the access (MKNOD 1, READ 2, WRITE 4) in the high 16. The program returns 1 to allow
/// and 0 to deny (the syscall then fails with EPERM).
///
/// Layout: load the four values into r2 (type), r3 (access), r4 (major), r5 (minor); then one
/// block per rule, each a chain of "does not match: go to the next block" tests ending in
/// "return 1"; after the last block "return 0". So the program denies by default, and
/// allows what any one rule allows: v1's `devices.deny a` followed by `devices.allow` lines.
public enum DeviceFilterProgram {
    static let context: UInt8 = 1, type: UInt8 = 2, access: UInt8 = 3, major: UInt8 = 4, minor: UInt8 = 5, scratch: UInt8 = 6

    /// The program allowing exactly what `rules` allow, and nothing else.
    public static func instructions(allowing rules: [DeviceRule]) -> [BPFInstruction] {
        var program: [BPFInstruction] = [
            .loadWord(type, from: context, offset: 0),
            .and32(type, 0xffff),
            .loadWord(access, from: context, offset: 0),
            .shiftRight32(access, 16),
            .loadWord(major, from: context, offset: 4),
            .loadWord(minor, from: context, offset: 8),
        ]
        for rule in rules { program += block(for: rule) }
        program += [.move32(0, 0), .exit]
        return program
    }

    /// One rule's tests, each jumping past the block's end when it fails, then "return 1".
    static func block(for rule: DeviceRule) -> [BPFInstruction] {
        // The tests, with the jump offsets filled in below once the block's length is known.
        var tests: [(register: UInt8, value: Int32, before: [BPFInstruction])] = []
        switch rule.kind {
        case .all: break
        case .block: tests.append((type, 1, []))  // BPF_DEVCG_DEV_BLOCK
        case .char: tests.append((type, 2, []))  // BPF_DEVCG_DEV_CHAR
        }
        if rule.access != .all {
            // No access bit outside the allowed ones: scratch = access & ~allowed must be 0.
            let outside = Int32(bitPattern: ~rule.access.rawValue)
            tests.append((scratch, 0, [.move32(scratch, register: access), .and32(scratch, outside)]))
        }
        if let value = rule.major { tests.append((major, Int32(bitPattern: value), [])) }
        if let value = rule.minor { tests.append((minor, Int32(bitPattern: value), [])) }

        let length = tests.reduce(0) { $0 + $1.before.count + 1 } + 2
        var block: [BPFInstruction] = []
        for test in tests {
            block += test.before
            let remaining = length - (block.count + 1)
            block.append(.jumpIfNotEqual(test.register, test.value, offset: Int16(remaining)))
        }
        return block + [.move32(0, 1), .exit]
    }
}
