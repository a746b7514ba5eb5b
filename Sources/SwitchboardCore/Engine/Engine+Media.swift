import Foundation
import Logging

extension Engine {
    /// The event's pictures, files, voice and video, downloaded through its adapter when the
    /// adapter can (``MediaFetching``); what could not be fetched becomes a notice for the user
    /// (one per kind of trouble) and a log line. Voice that came with the platform's transcript is
    /// left alone: the transcript is already the text.
    ///
    /// A message is bounded as a whole: at most `engine.media_per_message` pieces are fetched, and
    /// once their bytes pass `engine.media_bytes_per_message` no more; what is skipped is said to
    /// the user once.
    func attachments(for event: ChatEvent) async throws -> (files: [MediaFile], notices: [String]) {
        guard let fetcher = adapters[event.bot] as? any MediaFetching else { return ([], []) }
        var files: [MediaFile] = []
        var notices: [String] = []
        var bytes = 0
        var skipped = 0
        for segment in event.segments {
            let media: MediaReference
            let kind: MediaFile.Kind
            switch segment {
            case .image(let reference): (media, kind) = (reference, .image)
            case .file(let reference): (media, kind) = (reference, .file)
            case .video(let reference): (media, kind) = (reference, .video)
            case .audio(let reference) where (reference.transcript ?? "").isEmpty: (media, kind) = (reference, .audio)
            default: continue
            }
            guard files.count < configuration.mediaPerMessage, bytes < configuration.mediaBytesPerMessage else {
                skipped += 1
                continue
            }
            do {
                let file = try await fetcher.fetchMedia(media, kind: kind, of: event, transport: transport)
                guard bytes + file.size <= configuration.mediaBytesPerMessage else {
                    // Fetched, but over the message's budget: dropped (its temporary file goes with it).
                    bytes = configuration.mediaBytesPerMessage
                    skipped += 1
                    continue
                }
                bytes += file.size
                files.append(file)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let problem = error as? MediaError ?? MediaError(.unavailable, "\(error)")
                logger.warning(
                    "the \(kind.rawValue) the user sent was not passed on: \(problem)",
                    metadata: ["bot": "\(event.bot)", "event_id": "\(event.id)"]
                )
                if !notices.contains(problem.userNotice) { notices.append(problem.userNotice) }
            }
        }
        if skipped > 0 {
            logger.notice(
                "\(skipped) attachments of a message were skipped: over \(configuration.mediaPerMessage) or \(MediaError.megabytes(configuration.mediaBytesPerMessage)) per message",
                metadata: ["bot": "\(event.bot)", "event_id": "\(event.id)"]
            )
            notices.append(
                "这条消息的附件太多，只处理了前 \(files.count) 个，另外 \(skipped) 个没有处理（每条消息最多 \(configuration.mediaPerMessage) 个、共 \(MediaError.megabytes(configuration.mediaBytesPerMessage))）。"
            )
        }
        return (files, notices)
    }
}
