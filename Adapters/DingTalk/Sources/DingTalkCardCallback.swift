import Foundation
import SwitchboardCore

/// A click on an AI card's button, pushed over Stream on the CALLBACK topic
/// `/v1.0/card/instances/callback` when the card was delivered with `callbackType: STREAM`
/// (platforms-2.md §3.2). Its `data` is the JSON of dingtalk-stream's `CardCallbackMessage`:
/// `{"type":"actionCallback","outTrackId","userId","userIdType","corpId","spaceType","spaceId",
/// "content":"{\"cardPrivateData\":{\"actionIds\":[…],\"params\":{…}}}","value","extension"}`
/// (field names from the official SDK's model; the meaning of `spaceId` per space type is
/// unconfirmed, so a group is taken only from `spaceType: IM_GROUP` with a `spaceId`).
enum DingTalkCardCallback {
    static let topic = "/v1.0/card/instances/callback"

    /// Kind `card_action`: the clicked `cardPrivateData` (action ids and params) as compact JSON in
    /// `text`. The payload carries no id of its own, so the event's is the Stream frame's
    /// `messageId`, which a redelivery repeats.
    static func event(from json: JSONValue, frameID: String, time: Date?, botID: String) throws -> ChatEvent {
        guard !frameID.isEmpty else { throw WebhookRejection.badRequest("the card callback frame has no headers.messageId") }
        guard let outTrackID = json["outTrackId"]?.string, !outTrackID.isEmpty else {
            throw WebhookRejection.badRequest("the card callback has no outTrackId")
        }
        guard let userID = json["userId"]?.string, !userID.isEmpty else { throw WebhookRejection.badRequest("the card callback has no userId") }
        // `content` (and `value`) are JSON strings; an object is taken as it is, to be lenient.
        let content = json["content"].flatMap(decodedString) ?? json["value"].flatMap(decodedString)
        let clicked = content?["cardPrivateData"] ?? content ?? .object([:])
        let spaceID = json["spaceId"]?.string ?? ""
        let isGroup = json["spaceType"]?.string == "IM_GROUP" && !spaceID.isEmpty
        var address = ["out_track_id": outTrackID, "conversation_type": isGroup ? "2" : "1"]
        if isGroup { address["conversation_id"] = spaceID }
        // userIdType 1 (the default the cards are delivered with) is a staff id; 2 a unionId.
        if (json["userIdType"]?.integer ?? 1) == 1 { address["sender_staff_id"] = userID }
        return ChatEvent(
            id: "\(botID):card:\(frameID)", platform: DingTalkAdapterFactory.platformName, bot: botID, kind: .cardAction,
            conversation: Conversation(id: isGroup ? spaceID : userID, type: isGroup ? .group : .direct),
            sender: Participant(id: userID), text: String(decoding: JSONWriter.data(clicked), as: UTF8.self),
            timestamp: time ?? Date(timeIntervalSince1970: 0), replyAddress: ReplyAddress(address)
        )
    }

    private static func decodedString(_ value: JSONValue) -> JSONValue? {
        if case .object = value { return value }
        return value.string.flatMap { try? JSONParser.parse(Data($0.utf8)) }
    }
}
