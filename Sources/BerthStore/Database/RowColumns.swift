import GRDB

/// The columns a lean query selects, named once: the cases, in order, are the SELECT list (each
/// case's name in snake_case), and each case's raw value is where its value sits in the row.
///
/// The hot readers read rows by position (looking columns up by name was a tenth of a node PUT);
/// with the positions named here, a new column is one case and one read, never a renumbering.
protocol RowColumns: CaseIterable, RawRepresentable where RawValue == Int {}

extension RowColumns {
    /// `a, b_c, …`: every column in case order, for `SELECT \(Columns.selection) FROM …`.
    static var selection: String {
        allCases.map { column in
            String(describing: column).reduce(into: "") { name, character in
                if character.isUppercase { name += "_" + character.lowercased() } else { name.append(character) }
            }
        }.joined(separator: ", ")
    }
}

extension Row {
    /// The value of `column` in a row selected with its `selection`.
    @inline(__always)
    subscript<Columns: RowColumns, Value: DatabaseValueConvertible>(_ column: Columns) -> Value {
        self[column.rawValue]
    }

    /// The value of `column`, through GRDB's fast path for types that read a statement column directly.
    @inline(__always)
    subscript<Columns: RowColumns, Value: DatabaseValueConvertible & StatementColumnConvertible>(_ column: Columns) -> Value {
        self[column.rawValue]
    }
}
