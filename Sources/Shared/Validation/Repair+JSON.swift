extension Repair {
    /// `{"kind": …, "path": …, "detail": …}`, as stored beside the raw frame.
    public var json: JSONValue {
        ["kind": .string(kind.rawValue), "path": .string(path), "detail": .string(detail)]
    }
}
