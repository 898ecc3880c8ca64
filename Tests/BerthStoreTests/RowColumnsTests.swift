import Testing
@testable import BerthStore

@Suite struct RowColumnsTests {
    /// The cases are the SELECT list in order, each in the schema's snake_case.
    @Test func aNodeRowSelectsItsColumnsInCaseOrder() {
        #expect(NodeRecord.columns == """
            name, address, labels, cpu, memory, allocated_cpu, allocated_memory, availability, status, subnet, \
            last_heartbeat, create_index, modify_index, vtep_mac
            """)
        #expect(NodeRecord.Columns.vtepMac.rawValue == 13)
    }
}
