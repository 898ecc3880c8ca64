import GRDB
import Testing
@testable import BerthStore

/// A standalone container's rules reach `berth_container_json` as SQLite's JSON, and come back
/// in order whatever their text holds.
@Suite struct ContainerRulesTests {
    @Test func plainRulesComeBackInOrder() {
        let text = #"[{"hard":1,"weight":1,"expression":"node.labels.zone==a"},{"hard":0,"weight":5,"expression":"node.labels.disk==ssd"},{"hard":1,"weight":1,"expression":"node.name!=n3"}]"#
        let (hard, soft) = ContainerJSONSQL.rules(text)
        #expect(hard == ["node.labels.zone==a", "node.name!=n3"])
        #expect(soft.map(\.constraint) == ["node.labels.disk==ssd"])
        #expect(soft.map(\.weight) == [5])
        #expect(ContainerJSONSQL.rules(nil).0.isEmpty && ContainerJSONSQL.rules("[]").1.isEmpty)
    }

    @Test(arguments: [#"node.labels.note=="say \"hi\"""#, "node.labels.zone==é", "node.labels.tab==a\tb", "node.labels.x==\u{1E}\u{1F}"])
    func anyTextSurvivesSQLiteAndComesBack(expression: String) throws {
        let queue = try DatabaseQueue()
        let text = try queue.read { db in
            try String.fetchOne(db, sql: """
                SELECT json_group_array(json_object('hard', hard, 'weight', weight, 'expression', expression))
                FROM (SELECT 0 AS hard, 3 AS weight, ? AS expression UNION ALL SELECT 1, 1, 'node.name==n1')
                """, arguments: [expression])
        }
        let (hard, soft) = ContainerJSONSQL.rules(text)
        #expect(hard == ["node.name==n1"])
        #expect(soft.map(\.constraint) == [expression])
        #expect(soft.map(\.weight) == [3])
    }
}
