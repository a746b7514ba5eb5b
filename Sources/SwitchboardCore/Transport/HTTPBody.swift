public import Foundation

/// A response body that arrives in chunks, so that a streamed answer (Dify SSE) can be handled
/// as it comes. Iterate it once, or `collect` it.
public struct HTTPBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    private let makeNext: @Sendable () -> () async throws -> [UInt8]?

    /// Wraps any sendable sequence of byte chunks.
    public init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == [UInt8], Base.AsyncIterator: SendableMetatype {
        makeNext = {
            var iterator = base.makeAsyncIterator()
            return { try await iterator.next() }
        }
    }

    /// A body that is already complete.
    public init(_ data: Data = Data()) {
        let chunks = data.isEmpty ? [] : [[UInt8](data)]
        makeNext = {
            var index = 0
            return {
                guard index < chunks.count else { return nil }
                defer { index += 1 }
                return chunks[index]
            }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let nextChunk: () async throws -> [UInt8]?
        public mutating func next() async throws -> [UInt8]? {
            try await nextChunk()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(nextChunk: makeNext())
    }

    /// Reads the whole body; throws ``HTTPBodyTooLarge`` past `maxBytes`.
    public func collect(upTo maxBytes: Int) async throws -> Data {
        var data = Data()
        for try await chunk in self {
            guard data.count + chunk.count <= maxBytes else { throw HTTPBodyTooLarge(limit: maxBytes) }
            data.append(contentsOf: chunk)
        }
        return data
    }
}

public struct HTTPBodyTooLarge: Error, Sendable, CustomStringConvertible {
    public var limit: Int
    public var description: String { "response body larger than \(limit) bytes" }
}
