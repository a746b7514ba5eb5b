import Foundation
import SwitchboardCore

/// Any Dify JSON body: a stream event, a blocking answer, a workflow result or an error. Every
/// field is optional, so an event of a shape not listed here still decodes (and is ignored).
/// Field names mirror Dify's (`platforms.md` §4).
struct DifyPayload: Decodable, Sendable {
    var event: String?
    var id: String?
    var taskID: String?
    var messageID: String?
    var conversationID: String?
    var answer: String?
    /// `/audio-to-text`'s transcript.
    var text: String?
    var metadata: Metadata?
    var data: WorkflowData?
    // error events and error bodies
    var status: Int?
    var code: String?
    var message: String?
    // agent_thought
    var thought: String?
    var tool: String?
    // message_file
    var type: String?
    var url: String?
    var belongsTo: String?
    // GET /info
    var name: String?
    var mode: String?

    enum CodingKeys: String, CodingKey {
        case event
        case taskID = "task_id"
        case messageID = "message_id"
        case conversationID = "conversation_id"
        case belongsTo = "belongs_to"
        case id, answer, metadata, data, status, code, message, thought, tool, type, url, name, mode, text
    }

    /// The JSON text this was decoded from (for what decoding loses: the order of workflow outputs).
    var raw = Data()

    /// Decodes one event or body, keeping its text.
    static func decode(_ data: Data) -> DifyPayload? {
        if let delta = textDelta(data) { return delta }
        guard var payload = try? JSONDecoder().decode(DifyPayload.self, from: data) else { return nil }
        payload.raw = data
        return payload
    }

    /// A `message` or `agent_message` event — nearly every event of a stream, one per token —
    /// read with core's JSON parser instead of `JSONDecoder`, whose per-key work for this type's
    /// twenty optional fields was most of a streamed answer's decoding cost. Anything else: nil.
    private static func textDelta(_ data: Data) -> DifyPayload? {
        guard case .object(let object)? = try? JSONParser.parse(data), let event = object["event"]?.string,
            event == "message" || event == "agent_message", let answer = object["answer"]?.string
        else { return nil }
        var payload = DifyPayload()
        payload.event = event
        payload.answer = answer
        payload.id = object["id"]?.string
        payload.taskID = object["task_id"]?.string
        payload.messageID = object["message_id"]?.string
        payload.conversationID = object["conversation_id"]?.string
        payload.raw = data
        return payload
    }

    struct Metadata: Decodable, Sendable {
        var retrieverResources: [RetrieverResource]?

        enum CodingKeys: String, CodingKey {
            case retrieverResources = "retriever_resources"
        }
    }

    struct RetrieverResource: Decodable, Sendable {
        var documentName: String?
        var datasetName: String?
        var score: Double?
        var content: String?

        enum CodingKeys: String, CodingKey {
            case documentName = "document_name"
            case datasetName = "dataset_name"
            case score, content
        }
    }

    /// `data` of workflow events: `text_chunk` has `text`, `workflow_finished` has `status`,
    /// `outputs` and `error`.
    struct WorkflowData: Decodable, Sendable {
        var text: String?
        var status: String?
        var outputs: [String: JSONValue]?
        var error: String?
    }

    /// Sources as the neutral model has them.
    var citations: [Citation] {
        (metadata?.retrieverResources ?? []).compactMap { resource in
            guard let title = resource.documentName ?? resource.datasetName else { return nil }
            return Citation(title: title, snippet: resource.content, score: resource.score)
        }
    }
}
