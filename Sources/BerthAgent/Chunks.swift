extension Array {
    /// The elements in runs of at most `size`, in order: the agent works on its nodes and
    /// containers a bounded number at a time.
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
