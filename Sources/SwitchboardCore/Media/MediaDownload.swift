import Foundation
import HTTPTypes

/// Reads a download's body into a ``MediaFile`` without ever holding more than the limit: the
/// declared `Content-Length` is checked before reading; the bytes are counted as they come; above
/// ``MediaFile/memoryLimit`` they go to a temporary file. The type is sniffed from the bytes.
public enum MediaDownload {
    public static func read(
        _ response: OutboundResponse, kind: MediaFile.Kind, name: String?, limit: Int, platformMimeType: String? = nil
    ) async throws -> MediaFile {
        if let declared = response.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw MediaError(.tooLarge(size: declared, limit: limit), "the download is \(declared) bytes, over the limit of \(limit)")
        }
        var memory = Data()
        var file: TemporaryFile?
        var handle: FileHandle?
        defer { try? handle?.close() }
        var size = 0
        for try await chunk in response.body {
            size += chunk.count
            guard size <= limit else {
                throw MediaError(.tooLarge(size: nil, limit: limit), "the download passed the limit of \(limit) bytes; stopped reading")
            }
            if let handle {
                try handle.write(contentsOf: chunk)
            } else {
                memory.append(contentsOf: chunk)
                if memory.count > MediaFile.memoryLimit {
                    let spill = try TemporaryFile()
                    let opened = try FileHandle(forWritingTo: spill.url)
                    try opened.write(contentsOf: memory)
                    memory = Data()
                    file = spill
                    handle = opened
                }
            }
        }
        let prefix: Data
        if let file {
            try handle?.close()
            handle = nil
            let reader = try FileHandle(forReadingFrom: file.url)
            prefix = try reader.read(upToCount: 64) ?? Data()
            try reader.close()
        } else {
            prefix = memory.prefix(64)
        }
        let fileName = name.flatMap { $0.isEmpty ? nil : $0 } ?? response.headers[.contentDisposition].flatMap(ContentDisposition.fileName)
        let mimeType = MediaSniffer.mimeType(of: prefix, name: fileName ?? "") ?? platformMimeType ?? "application/octet-stream"
        let content: MediaFile.Content = file.map { .file($0) } ?? .bytes(memory)
        return MediaFile(kind: kind, name: MediaFile.name(fileName, kind: kind, mimeType: mimeType), mimeType: mimeType, size: size, content: content)
    }
}

extension MediaDownload {
    /// A plain GET of a URL that needs no credentials (a pre-signed download, a file a message
    /// links to), through the transport's egress policy (``HTTPTransport/fetchUntrusted(_:)``),
    /// into a ``MediaFile``: 401 and 403 ▸ refused, 404 and 410 ▸ expired (signed URLs
    /// die), anything else unavailable; for a pre-signed URL (`signed`) a 403 is its signature
    /// expiring. The file name is `name`, else the response's Content-Disposition. The file keeps
    /// `url` as its ``MediaFile/sourceURL``.
    public static func get(
        _ url: String, kind: MediaFile.Kind, name: String?, limit: Int, transport: any HTTPTransport, signed: Bool = false,
        timeout: Duration = .seconds(120)
    ) async throws -> MediaFile {
        let host = URL(string: url)?.host ?? "?"
        let response: OutboundResponse
        do {
            response = try await transport.fetchUntrusted(OutboundRequest(method: .get, url: url, timeout: timeout))
        } catch let refused as EgressRefused {
            throw MediaError(.refused, "the \(kind.rawValue) at \(host) is not fetched: \(refused)")
        } catch {
            throw MediaError(.unavailable, "the \(kind.rawValue) at \(host) could not be fetched: \(type(of: error))")
        }
        guard response.status.kind == .successful else {
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let reason: MediaError.Reason = switch response.status.code {
            case 403 where signed: .expired
            case 401, 403: .refused
            case 404, 410: .expired
            default: .unavailable
            }
            throw MediaError(reason, "the \(kind.rawValue) at \(host) answered HTTP \(response.status.code)")
        }
        var file = try await read(response, kind: kind, name: name, limit: limit, platformMimeType: response.headers[.contentType])
        file.sourceURL = url
        return file
    }

    /// A picture an answer links to, for uploading to a platform: fetched (≤ `limit`) and refused
    /// unless its bytes are an image.
    public static func picture(at url: String, limit: Int, transport: any HTTPTransport) async throws -> MediaFile {
        let image = try await get(url, kind: .image, name: nil, limit: limit, transport: transport, timeout: .seconds(60))
        guard image.mimeType.hasPrefix("image/") else {
            throw MediaError(.unavailable, "the picture at \(URL(string: url)?.host ?? "?") is \(image.mimeType), not an image")
        }
        return image
    }
}
