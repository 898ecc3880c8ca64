/// One eBPF instruction as the kernel reads it (`struct bpf_insn`, 8 bytes): an opcode, a
/// destination and source register, a signed 16-bit offset and a signed 32-bit immediate.
/// Only the few instructions `DeviceFilterProgram` needs have constructors; their opcodes are
/// the kernel's `BPF_CLASS | BPF_OP | BPF_SRC` sums (linux/bpf_common.h, linux/bpf.h), spelt
/// out beside each.
public struct BPFInstruction: Sendable, Equatable, CustomStringConvertible {
    public var opcode: UInt8
    public var destination: UInt8
    public var source: UInt8
    public var offset: Int16
    public var immediate: Int32

    public init(opcode: UInt8, destination: UInt8 = 0, source: UInt8 = 0, offset: Int16 = 0, immediate: Int32 = 0) {
        self.opcode = opcode
        self.destination = destination
        self.source = source
        self.offset = offset
        self.immediate = immediate
    }

    /// `dst = *(u32 *)(src + offset)`: BPF_LDX | BPF_MEM | BPF_W.
    public static func loadWord(_ destination: UInt8, from source: UInt8, offset: Int16) -> Self {
        Self(opcode: 0x01 | 0x60 | 0x00, destination: destination, source: source, offset: offset)
    }

    /// `dst = (u32)dst & imm`: BPF_ALU | BPF_AND | BPF_K.
    public static func and32(_ destination: UInt8, _ immediate: Int32) -> Self {
        Self(opcode: 0x04 | 0x50 | 0x00, destination: destination, immediate: immediate)
    }

    /// `dst = (u32)dst >> imm`: BPF_ALU | BPF_RSH | BPF_K.
    public static func shiftRight32(_ destination: UInt8, _ immediate: Int32) -> Self {
        Self(opcode: 0x04 | 0x70 | 0x00, destination: destination, immediate: immediate)
    }

    /// `dst = (u32)src`: BPF_ALU | BPF_MOV | BPF_X.
    public static func move32(_ destination: UInt8, register source: UInt8) -> Self {
        Self(opcode: 0x04 | 0xb0 | 0x08, destination: destination, source: source)
    }

    /// `dst = imm` (32 bits): BPF_ALU | BPF_MOV | BPF_K.
    public static func move32(_ destination: UInt8, _ immediate: Int32) -> Self {
        Self(opcode: 0x04 | 0xb0 | 0x00, destination: destination, immediate: immediate)
    }

    /// `if dst != imm goto pc + 1 + offset` (64-bit compare, imm sign-extended): BPF_JMP | BPF_JNE | BPF_K.
    public static func jumpIfNotEqual(_ destination: UInt8, _ immediate: Int32, offset: Int16) -> Self {
        Self(opcode: 0x05 | 0x50 | 0x00, destination: destination, offset: offset, immediate: immediate)
    }

    /// Return r0: BPF_JMP | BPF_EXIT.
    public static let exit = Self(opcode: 0x05 | 0x90)

    /// The 8 bytes the kernel reads: the register nibbles as the little-endian bitfield
    /// `dst_reg:4, src_reg:4` lays them out, the offset and immediate little-endian (Berth
    /// runs on x86_64 and arm64, both little-endian).
    public var encoded: [UInt8] {
        let offset = UInt16(bitPattern: offset), immediate = UInt32(bitPattern: immediate)
        return [
            opcode, (destination & 0x0f) | (source << 4),
            UInt8(offset & 0xff), UInt8(offset >> 8),
            UInt8(immediate & 0xff), UInt8((immediate >> 8) & 0xff), UInt8((immediate >> 16) & 0xff), UInt8(immediate >> 24),
        ]
    }

    public var description: String {
        "{op 0x\(String(opcode, radix: 16)) dst r\(destination) src r\(source) off \(offset) imm \(immediate)}"
    }
}
