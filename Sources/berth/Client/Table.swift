import Foundation

/// Rows printed as aligned columns under an upper-case header, like `docker ps`: readable by
/// people, and by `awk` as long as cells have no spaces (empty cells are shown as `-`).
struct Table {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    mutating func add(_ cells: [String]) { rows.append(cells) }

    /// The table as text, one line per row; the last column is not padded.
    func render() -> String {
        let all = [header.map { $0.uppercased() }] + rows.map { $0.map { $0.isEmpty ? "-" : $0 } }
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }

    func print() { Console.out(render()) }
}
