import Foundation
import Logging

extension Engine {
    /// The event's pictures, files, voice and video, downloaded through its adapter when the
    /// adapter can (``MediaFetching``); what could not be fetched becomes a notice for the user
    /// (one per kind of trouble) and a log line. Voice that came with the platform's transcript is
    /// left alone: the transcript is already the text.
    func attachments(for event: ChatEvent) async throws -> (files: [MediaFile], notices: [String]) {
        guard let fetcher = adapters[event.bot] as? any MediaFetching else { return ([], []) }
        var files: [MediaFile] = []
        var notices: [String] = []
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
            do {
                files.append(try await fetcher.fetchMedia(media, kind: kind, of: event, transport: transport))
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
        return (files, notices)
    }
}
