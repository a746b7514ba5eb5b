import Crypto
import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardTesting
import Testing

/// `message_type: ai_card`: the real server with a DingTalk HTTP bot, the answer typed into an AI
/// card on the fake DingTalk (which refuses updates of one card under 500 ms apart, as DingTalk's
/// gateway does).
@Suite("DingTalk AI card", .timeLimit(.minutes(5)))
struct DingTalkAICardTests {
    static func yaml(_ fake: FakeDingTalk) -> String {
        """
        backends: {echo: {type: echo, delay_ms: 150}}
        bots:
          ding: {platform: dingtalk, mode: http, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}", api_base: "\(fake.url)", oapi_base: "\(fake.url)", message_type: ai_card}
        engine: {poll_interval: 50ms}
        """
    }

    static func post(_ server: RunningSwitchboard, _ fake: FakeDingTalk, msgID: String, text: String, conversation: String? = nil) async throws -> Int {
        let timestamp = String(Int64(Date().timeIntervalSince1970 * 1000))
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("timestamp")!] = timestamp
        headers[HTTPField.Name("sign")!] = DingTalkEndToEndTests.sign(timestamp)
        let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
        let frame = conversation.map { FakeDingTalk.callbackFrame(messageID: "m-\(msgID)", msgID: msgID, text: text, sessionWebhook: fake.sessionWebhook, expires: alive, conversation: $0) }
            ?? FakeDingTalk.callbackFrame(messageID: "m-\(msgID)", msgID: msgID, text: text, sessionWebhook: fake.sessionWebhook, expires: alive)
        let body = try DingTalkEndToEndTests.message(from: frame)
        return try await server.send(OutboundRequest(method: .post, url: "\(server.url)/webhooks/ding", headers: headers, body: body)).status
    }

    static let question = "请把发布检查清单完整地列出来，包括回滚步骤、值班安排和通知范围，越详细越好"

    @Test("a group @-message ▸ one card created and delivered with the asker @-mentioned; spinner ▸ inputting ▸ full-text frames ▸ a final frame ▸ finished; no update under 500 ms apart; no Markdown message")
    func typesItself() async throws {
        try await FakeDingTalk.withRunning { fake in
            try await RunningSwitchboard.run(yaml: Self.yaml(fake), environment: ["DINGTALK_SECRET": FakeDingTalk.appSecret], plugins: [.dingTalk]) { server in
                #expect(try await Self.post(server, fake, msgID: "card-1", text: Self.question) == 200)
                try await fake.waitFor("the finished card", timeout: .seconds(30)) { fake.cards.values.first?.params["flowStatus"] == "3" }
                let card = try #require(fake.cards.values.first)
                #expect(fake.cards.count == 1)
                #expect(card.created["cardTemplateId"] == "382e4302-551d-4880-bf29-a30acfab2e71.schema")
                #expect(card.created["openSpaceId"]?.string?.hasPrefix("dtv1.card//IM_GROUP.") == true)
                #expect(card.created["imGroupOpenDeliverModel"]?["robotCode"] == .string(FakeDingTalk.appKey))
                #expect(card.created["imGroupOpenDeliverModel"]?["atUserIds"]?.object?.keys.contains("032615015535634423") == true)
                #expect(card.created["cardData"]?["cardParamMap"]?["flowStatus"] == "1")
                #expect(card.tooFast == 0, "\(card.tooFast) updates came under 500 ms apart")
                #expect(card.frames.count >= 2, "the card should grow: \(card.frames.count) frames")
                #expect(card.frames.allSatisfy { $0.body["isFull"] == .bool(true) && $0.body["key"] == "msgContent" })
                #expect(card.frames.last?.body["isFinalize"] == .bool(true))
                #expect(card.frames.dropLast().allSatisfy { $0.body["isFinalize"] == .bool(false) })
                #expect(card.params["msgContent"] == Self.question)
                let statuses = fake.cardCalls.filter { $0.path == "/v1.0/card/instances" }.compactMap { $0.body["cardData"]?["cardParamMap"]?["flowStatus"]?.string }
                #expect(statuses == ["2", "3"])
                #expect(fake.sessionPosts.isEmpty && fake.openAPISends.isEmpty)
            }
        }
    }

    @Test("Stream mode with AI cards: a message over the socket is typed into a card; the bot subscribes to the card callback topic, and a button's callback (a card_action event) is acked, also when redelivered, and not answered")
    func buttonCallback() async throws {
        try await FakeDingTalk.withRunning { fake in
            let yaml = """
                backends: {echo: {type: echo}}
                bots:
                  ding: {platform: dingtalk, mode: stream, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}", api_base: "\(fake.url)",
                         gateway_base: "\(fake.url)", message_type: ai_card}
                engine: {poll_interval: 50ms}
                """
            let store = InMemoryStateStore()
            try await RunningSwitchboard.run(yaml: yaml, environment: ["DINGTALK_SECRET": FakeDingTalk.appSecret], plugins: [.dingTalk], store: store) { _ in
                try await fake.waitFor("the Stream socket") { fake.openSockets == 1 }
                let topics = fake.subscriptions.first?.array?.compactMap { $0["topic"]?.string } ?? []
                #expect(topics == ["/v1.0/im/bot/messages/get", "/v1.0/card/instances/callback"])

                // A message over the socket: acked, then typed into one card.
                let alive = Int64(Date().timeIntervalSince1970 * 1000) + 90 * 60 * 1000
                try await fake.push(FakeDingTalk.callbackFrame(messageID: "m-s1", msgID: "stream-card-1", text: Self.question, sessionWebhook: fake.sessionWebhook, expires: alive))
                try await fake.waitFor("the message's ack") { fake.ack(for: "m-s1") != nil }
                try await fake.waitFor("the finished card", timeout: .seconds(30)) { fake.cards.values.first?.params["flowStatus"] == "3" }
                #expect(fake.cards.count == 1 && fake.cards.values.first?.params["msgContent"] == Self.question)
                #expect(fake.cards.values.first?.tooFast == 0)
                let answered = await store.jobs(JobQuery())
                let clicked = #"{"cardPrivateData":{"actionIds":["stop_button"],"params":{"action":"stop"}}}"#
                let data: JSONValue = [
                    "extension": "{}", "corpId": "dinge19e25c0b3f73fd635c2f4657eb6378f", "spaceType": "IM_GROUP", "userIdType": 1, "type": "actionCallback",
                    "userId": "032615015535634423", "content": .string(clicked), "value": .string(clicked), "spaceId": "cidh6ezDLHQau9V23Es/xSLNoiDDmPuN354KylQ2BaIhuM=",
                    "outTrackId": "53d6dda444c74f5f17bf4534333c1a46",
                ]
                let frame: JSONValue = [
                    "specVersion": "1.0", "type": "CALLBACK", "data": .string(String(decoding: JSONWriter.data(data), as: UTF8.self)),
                    "headers": ["appId": "fake-app-id", "connectionId": "c0ffee-conn", "contentType": "application/json", "messageId": "card-cb-1",
                                "time": .string(String(Int64(Date().timeIntervalSince1970 * 1000))), "topic": "/v1.0/card/instances/callback"],
                ]
                let text = String(decoding: JSONWriter.data(frame), as: UTF8.self)
                try await fake.push(text)
                try await fake.waitFor("the ack") { fake.ack(for: "card-cb-1") != nil }
                #expect(fake.ack(for: "card-cb-1")?.json["code"] == .number(200))
                try await fake.push(text)
                try await fake.waitFor("the redelivery's ack") { fake.received.filter { $0.json["headers"]?["messageId"] == "card-cb-1" }.count == 2 }
                // Acked after it was judged: what would be queued is queued by now.
                // Routes answer messages only: the card_action event is decoded (Fixtures/dingtalk/stream-card-callback-frame) and acked, not queued.
                #expect(await store.jobs(JobQuery()).map(\.job.id) == answered.map(\.job.id), "only the message was queued")
                #expect(fake.cards.count == 1 && fake.sessionPosts.isEmpty && fake.openAPISends.isEmpty, "a card_action is not answered")
            }
        }
    }

    @Test("cards refused (no permission): the answer goes through the session webhook as Markdown, said once; the next answer does not try a card")
    func refusedFallsBack() async throws {
        try await FakeDingTalk.withRunning { fake in
            fake.refuseCards()
            try await RunningSwitchboard.run(yaml: Self.yaml(fake), environment: ["DINGTALK_SECRET": FakeDingTalk.appSecret], plugins: [.dingTalk]) { server in
                #expect(try await Self.post(server, fake, msgID: "card-2", text: "第一个问题") == 200)
                try await fake.waitFor("the Markdown answer") { fake.sessionPosts.count == 1 }
                #expect(fake.sessionPosts.first?["markdown"]?["text"]?.string?.hasPrefix("第一个问题") == true)
                #expect(try await Self.post(server, fake, msgID: "card-3", text: "第二个问题") == 200)
                try await fake.waitFor("the second answer") { fake.sessionPosts.count == 2 }
                #expect(fake.cardCalls.count == 1, "one refused createAndDeliver, then no more card calls")
            }
        }
    }

    @Test("sixty answers typed into cards at once share the app's one card quota: every card finished, none fell back to Markdown, and DingTalk had next to nothing to refuse")
    func manyCardsShareTheAppQuota() async throws {
        try await FakeDingTalk.withRunning { fake in
            // Sixty answers at once, as a busy company's bot has them.
            let yaml = Self.yaml(fake).replacingOccurrences(of: "engine: {poll_interval: 50ms}", with: "engine: {poll_interval: 50ms, concurrency: 64}")
            try await RunningSwitchboard.run(yaml: yaml, environment: ["DINGTALK_SECRET": FakeDingTalk.appSecret], plugins: [.dingTalk]) { server in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for index in 1...60 { group.addTask {
                        // Sixty groups, so the answers run side by side (one conversation's run in order).
                        try await Self.post(server, fake, msgID: "burst-\(index)", text: "第\(index)个问题：\(Self.question)", conversation: "cidBurstGroup\(index)AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
                    } }
                    for try await status in group { #expect(status == 200) }
                }
                try await fake.waitFor("sixty finished cards", timeout: .seconds(90)) {
                    fake.cards.count == 60 && fake.cards.values.allSatisfy { $0.params["flowStatus"] == "3" }
                }
                // Without the shared bucket DingTalk refuses about 200 of these calls; with it, none on
                // a quiet machine — a starved one (a full parallel run on two cores) can wake several
                // waiting calls at once, and the few refused then are waited out like any other.
                #expect(fake.cardQpsRefusals <= 30, "\(fake.cardQpsRefusals) card calls refused by the app's quota; at most \(fake.mostCardCallsInASecond) in a second")
                #expect(fake.sessionPosts.isEmpty, "no answer fell back to Markdown")
                #expect(fake.refusedRequests.isEmpty, "\(fake.refusedRequests)")
            }
        }
    }

    @Test("DingTalk answers 429 to card calls in the middle of an answer: the calls wait and go again, the card is finished, and the backend is asked once")
    func rateLimitedCardWaits() async throws {
        try await FakeDifyServer.withRunning(mode: "chat") { dify in
            try await FakeDingTalk.withRunning { fake in
                let yaml = """
                    backends: {dify: {type: dify, base_url: "\(dify.baseURL)", api_key: "\(dify.apiKey)", app: chat}}
                    bots:
                      ding: {platform: dingtalk, mode: http, app_key: \(FakeDingTalk.appKey), app_secret: "${DINGTALK_SECRET}", api_base: "\(fake.url)", oapi_base: "\(fake.url)", message_type: ai_card}
                    engine: {poll_interval: 50ms}
                    """
                // The card is created and shows "inputting"; then its updates are refused for a while.
                fake.answerCards429(times: 3, afterCalls: 3)
                let events = FakeDifyEvents()
                dify.enqueue(.stream((1...8).flatMap { [events.message("第\($0)段：限流期间回答仍在继续，卡片稍后更新。"), .pause(.milliseconds(400))] } + [events.messageEnd()]))
                try await RunningSwitchboard.run(yaml: yaml, environment: ["DINGTALK_SECRET": FakeDingTalk.appSecret], plugins: [.dingTalk, .dify]) { server in
                    #expect(try await Self.post(server, fake, msgID: "card-429", text: "限流测试") == 200)
                    try await fake.waitFor("the finished card", timeout: .seconds(40)) { fake.cards.values.first?.params["flowStatus"] == "3" }
                    #expect(fake.cards.values.first?.params["msgContent"] == .some((1...8).map { "第\($0)段：限流期间回答仍在继续，卡片稍后更新。" }.joined()))
                    #expect(dify.calls.count == 1, "the job was not run again")
                    #expect(fake.sessionPosts.isEmpty)
                }
            }
        }
    }
}
