import Foundation
import HTTPTypes
import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardFeishu
import SwitchboardPlatformFakes
import SwitchboardTesting
import SwitchboardWeCom
import Testing

/// Real traffic ▸ a shareable fixture, per platform: a request made with "production" keys and
/// real-looking ids ▸ recorded by a running server (`record:`) ▸ `switchboard fixture make` ▸ the
/// new case passes `switchboard fixture check` and the project's fixture runner, the same input
/// makes the same case, and none of the original ids, names, numbers, keys or ciphertext appear
/// in its files.
@Suite("Fixtures from recorded traffic", .timeLimit(.minutes(10)))
struct FixtureRoundTripTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fixtures").standardized
    static let user = "ou_7d8a6e2f9b3c4d5e6f70819a2b3c4d5e"
    static let chat = "oc_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    static let message = "om_1a2b3c4d5e6f70819a2b3c4d5e6f7081"
    static let name = "王小明"
    static let mobile = "13912345678"
    static let email = "wangxm@corp.example.cn"
    static let text = "请联系 \(mobile) 或 \(email)，明天的会改到下午"
    static let weComKey = Data(repeating: 0x5A, count: 32).base64EncodedString().replacingOccurrences(of: "=", with: "")

    /// One platform's bot with production keys, and how a request to it is made.
    struct Platform: Sendable, CustomTestStringConvertible {
        var folder: String
        var bot: String
        var yaml: String
        /// Values that must not appear in the fixture (besides the ids above).
        var secrets: [String]
        /// The request, the ciphertext it carries, and the plaintext payload it was made from.
        var request: @Sendable (_ url: String) throws -> (OutboundRequest, ciphertext: String?, plain: Data)
        var testDescription: String { "\(folder)/\(bot)" }
    }

    static let platforms: [Platform] = [
        Platform(
            folder: "wecom", bot: "prod-app",
            yaml: "prod-app: {platform: wecom, mode: app, corp_id: ww8a1b2c3d4e5f6071, agent_id: 1000017, secret: prod-wecom-secret-0001, token: ProdTk9x, encoding_aes_key: \"\(weComKey)\", api_base: \"http://127.0.0.1:9\"}",
            secrets: ["ww8a1b2c3d4e5f6071", "prod-wecom-secret-0001", "ProdTk9x", weComKey, "1000017"],
            request: { url in
                let xml = "<xml><ToUserName><![CDATA[ww8a1b2c3d4e5f6071]]></ToUserName><FromUserName><![CDATA[wangxiaoming]]></FromUserName>"
                    + "<CreateTime>\(Int(Date().timeIntervalSince1970))</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[\(text)]]></Content>"
                    + "<MsgId>7391827364512345678</MsgId><AgentID>1000017</AgentID></xml>"
                return try weCom(url, bot: "prod-app", plain: Data(xml.utf8), receiveID: "ww8a1b2c3d4e5f6071", xml: true)
            }
        ),
        Platform(
            folder: "wecom", bot: "prod-aibot",
            yaml: "prod-aibot: {platform: wecom, mode: aibot, token: ProdTk9x, encoding_aes_key: \"\(weComKey)\", bot_name: 小助手}",
            secrets: ["ProdTk9x", weComKey],
            request: { url in
                let json: JSONValue = [
                    "msgid": "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a", "aibotid": "aibProd0RealBotId123456789", "chatid": "wrkProdRealGroupChat0001",
                    "chattype": "group", "from": ["userid": "wangxiaoming"], "create_time": .number(Double(Int(Date().timeIntervalSince1970))),
                    "response_url": "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=PRODRESPONSECODE123",
                    "msgtype": "text", "text": ["content": .string("@小助手 " + text)],
                ]
                return try weCom(url, bot: "prod-aibot", plain: JSONWriter.data(json), receiveID: "", xml: false)
            }
        ),
        Platform(
            folder: "feishu", bot: "prod-feishu",
            yaml: "prod-feishu: {platform: feishu, app_id: cli_prod0123456789ab, app_secret: ProdFeishuAppSecret0000000000001, verification_token: ProdVerifyToken0001, encrypt_key: ProdEncryptKey2026, bot_open_id: ou_prodbot11111111111111111111111, host: \"http://127.0.0.1:9\"}",
            secrets: ["cli_prod0123456789ab", "ProdFeishuAppSecret0000000000001", "ProdVerifyToken0001", "ProdEncryptKey2026", "ou_prodbot11111111111111111111111"],
            request: { url in
                let milliseconds = String(Int(Date().timeIntervalSince1970 * 1000))
                let content = String(decoding: JSONWriter.data(["text": .string("@_user_1 " + text)]), as: UTF8.self)
                let event: JSONValue = [
                    "schema": "2.0",
                    "header": [
                        "event_id": "5e3702a84e847582be8db7fb7328aaaa", "event_type": "im.message.receive_v1", "create_time": .string(milliseconds),
                        "token": "ProdVerifyToken0001", "app_id": "cli_prod0123456789ab", "tenant_key": "2ca1d211f64fprod",
                    ],
                    "event": [
                        "sender": ["sender_id": ["open_id": .string(user), "union_id": "on_prod8ed6aa67826108097d9ee14381", "user_id": "prod33ggbyz"], "sender_type": "user"],
                        "message": [
                            "message_id": .string(message), "create_time": .string(milliseconds), "chat_id": .string(chat), "chat_type": "group",
                            "message_type": "text", "content": .string(content),
                            "mentions": [["key": "@_user_1", "name": "小助手", "id": ["open_id": "ou_prodbot11111111111111111111111", "union_id": "on_prodbot", "user_id": ""]]],
                        ],
                    ],
                ]
                let crypto = FeishuCrypto(encryptKey: "ProdEncryptKey2026")
                let encrypt = try crypto.encrypt(JSONWriter.data(event), iv: Array(repeating: 7, count: 16))
                let body = JSONWriter.data(["encrypt": .string(encrypt)])
                let seconds = String(Int(Date().timeIntervalSince1970))
                var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
                headers[HTTPField.Name("X-Lark-Request-Timestamp")!] = seconds
                headers[HTTPField.Name("X-Lark-Request-Nonce")!] = "prod-nonce-1"
                headers[HTTPField.Name("X-Lark-Signature")!] = crypto.signature(timestamp: seconds, nonce: "prod-nonce-1", body: body)
                headers[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.77"
                return (OutboundRequest(method: .post, url: "\(url)/webhooks/prod-feishu", headers: headers, body: body), encrypt, JSONWriter.data(event))
            }
        ),
        Platform(
            folder: "dingtalk", bot: "prod-ding",
            yaml: "prod-ding: {platform: dingtalk, mode: http, app_key: dingprodkey00000001, app_secret: ProdDingTalkSecret-0000000000000000001, api_base: \"http://127.0.0.1:9\"}",
            secrets: ["dingprodkey00000001", "ProdDingTalkSecret-0000000000000000001"],
            request: { url in
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let json: JSONValue = [
                    "conversationId": "cidProdRealGroup0000000000000000000001=", "conversationType": "2", "conversationTitle": "财务部内部群",
                    "atUsers": [["dingtalkId": "$:LWCP_v1:$prodBotUser000001", "staffId": ""]], "chatbotCorpId": "dingprodcorp0000001",
                    "chatbotUserId": "$:LWCP_v1:$prodBotUser000001", "msgId": "msgProdReal00000000000001==", "senderNick": .string(name),
                    "isAdmin": false, "senderStaffId": "0927361524310001", "sessionWebhookExpiredTime": .number(Double(now + 5_400_000)),
                    "createAt": .number(Double(now)), "senderCorpId": "dingprodcorp0000001", "senderId": "$:LWCP_v1:$prodSender00000001",
                    "isInAtList": true, "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=prodsessiontoken0000001",
                    "robotCode": "dingprodkey00000001", "msgtype": "text", "text": ["content": .string(" " + text)],
                ]
                let timestamp = String(now)
                var headers: HTTPFields = [.contentType: "application/json"]
                headers[HTTPField.Name("timestamp")!] = timestamp
                headers[HTTPField.Name("sign")!] = DingTalkSignature.sign(timestamp: timestamp, secret: "ProdDingTalkSecret-0000000000000000001")
                return (OutboundRequest(method: .post, url: "\(url)/webhooks/prod-ding", headers: headers, body: JSONWriter.data(json)), nil, JSONWriter.data(json))
            }
        ),
        Platform(
            folder: "generic", bot: "prod-generic",
            yaml: "prod-generic: {platform: generic, secret: prod-generic-secret-0123456789}",
            secrets: ["prod-generic-secret-0123456789"],
            request: { url in
                let json: JSONValue = [
                    "id": .string(message), "platform": "generic", "conversation": ["id": .string(chat), "type": "group", "title": "财务部内部群"],
                    "sender": ["id": .string(user), "name": .string(name)], "text": .string(text), "mentions_bot": true,
                    "message_id": .string(message), "timestamp": .number(Double(Int64(Date().timeIntervalSince1970 * 1000))),
                ]
                let body = JSONWriter.data(json)
                var headers = GenericSignature(secret: "prod-generic-secret-0123456789").headers(for: body, now: Date())
                headers[.contentType] = "application/json"
                return (OutboundRequest(method: .post, url: "\(url)/webhooks/prod-generic", headers: headers, body: body), nil, body)
            }
        ),
    ]

    static func weCom(_ url: String, bot: String, plain: Data, receiveID: String, xml: Bool) throws -> (OutboundRequest, ciphertext: String?, plain: Data) {
        let crypto = try WeComCrypto(token: "ProdTk9x", encodingAESKey: weComKey, receiveID: receiveID)
        let encrypt = try crypto.encrypt(plain, random: WeComCrypto.randomPrefix())
        let seconds = String(Int(Date().timeIntervalSince1970))
        let signature = crypto.signature(timestamp: seconds, nonce: "1392817465", encrypt: encrypt)
        let body = xml
            ? Data("<xml><ToUserName><![CDATA[\(receiveID)]]></ToUserName><Encrypt><![CDATA[\(encrypt)]]></Encrypt><AgentID><![CDATA[1000017]]></AgentID></xml>".utf8)
            : JSONWriter.data(["encrypt": .string(encrypt)])
        let request = OutboundRequest(
            method: .post, url: "\(url)/webhooks/\(bot)?msg_signature=\(signature)&timestamp=\(seconds)&nonce=1392817465",
            headers: [.contentType: xml ? "text/xml" : "application/json"], body: body
        )
        return (request, encrypt, plain)
    }

    @Test("recorded ▸ fixture make ▸ fixture check and the fixture runner pass; nothing original is left", arguments: platforms)
    func roundTrip(_ platform: Platform) async throws {
        let directory = try scratchDirectory()
        let fixtures = directory.appendingPathComponent("Fixtures")
        let platformFolder = fixtures.appendingPathComponent(platform.folder)
        try FileManager.default.createDirectory(at: platformFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.repository.appendingPathComponent(platform.folder).appendingPathComponent("keys.json"), to: platformFolder.appendingPathComponent("keys.json")
        )
        let recordings = directory.appendingPathComponent("recordings")
        let yaml = """
            state: {memory: true}
            record: {dir: "\(recordings.path)"}
            bots:
              \(platform.yaml)
            """
        try yaml.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)

        // 1. A running server records the request.
        var ciphertext: String?
        var plaintext = Data()
        try await RunningSwitchboard.run(
            yaml: yaml, adapters: [WeComAdapterFactory(), FeishuAdapterFactory(), DingTalkAdapterFactory()]
        ) { server in
            let (request, sealed, plain) = try platform.request(server.url)
            ciphertext = sealed
            plaintext = plain
            let answer = try await server.send(request)
            #expect(answer.status == 200, "\(answer.body)")
            try await waitUntil("the recording", poll: .milliseconds(20)) { (try? Self.recordedCases(recordings, bot: platform.bot).first) != nil }
        }
        let recorded = try #require(try Self.recordedCases(recordings, bot: platform.bot).first)
        // A recording holds production payloads: private folders and files.
        for url in [recordings, recordings.appendingPathComponent(platform.bot), recorded] {
            #expect(try Self.mode(url) == 0o700, "\(url.path)")
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: recorded.path) {
            #expect(try Self.mode(recorded.appendingPathComponent(file)) == 0o600, "\(file)")
        }

        // No forwarding address, and no credential that outlives the request (DingTalk's
        // timestamp and sign let anyone post any body for an hour).
        let recordedHeaders = try JSONParser.parse(try Data(contentsOf: recorded.appendingPathComponent("request.json")))["headers"]?.object ?? [:]
        #expect(recordedHeaders.keys.contains { $0.lowercased() == "content-type" })
        for dropped in ["x-forwarded-for", "sign", "timestamp"] {
            #expect(!recordedHeaders.keys.contains { $0.lowercased() == dropped }, "\(dropped) was recorded")
        }

        // 2. fixture make, twice: the same case.
        let made = platformFolder.appendingPathComponent("recorded-\(platform.bot)")
        let again = platformFolder.appendingPathComponent("again-\(platform.bot)")
        for out in [made, again] {
            let output = try await CLIProcess.runAsync(
                ["fixture", "make", "--config", "switchboard.yaml", "--bot", platform.bot, "--from", recorded.path, "--out", out.path], in: directory
            )
            #expect(output.status == 0, "\(output.stderr)")
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: made.path) {
            #expect(FileManager.default.contents(atPath: made.appendingPathComponent(file).path) == FileManager.default.contents(atPath: again.appendingPathComponent(file).path), "\(file) differs between two runs")
        }

        // 3. fixture check from the shell, and the project's fixture runner.
        let check = try await CLIProcess.runAsync(["fixture", "check", made.path], in: directory)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("1 passed, 0 failed"), "\(check.stdout)")
        let runner = AdapterFixtureRunner(
            registry: AdapterRegistry([GenericAdapterFactory(), WeComAdapterFactory(), FeishuAdapterFactory(), DingTalkAdapterFactory()]),
            loader: FixtureLoader(root: fixtures)
        )
        let fixture = try #require(try runner.loader.cases(platform: platform.folder).first { $0.name == made.lastPathComponent })
        let outcome = try await runner.run(fixture)
        #expect(outcome.passed, "\(outcome)")
        #expect(outcome.result.events.count == 1)
        #expect(outcome.result.events.first?.text.contains("明天的会改到下午") == true, "text is kept")
        // The bot's own @-mention (by the fixture bot's name, after the swap) is still recognised and removed.
        #expect(outcome.result.events.first?.text.hasPrefix("请联系 ") == true, "\(outcome.result.events.first?.text ?? "")")

        // 4. Nothing original anywhere in the case: the ids, names and keys above, and every
        // value of six characters or more in the original plaintext but the message text and
        // the platform's vocabulary.
        var forbidden = [Self.user, Self.chat, Self.message, Self.name, Self.mobile, Self.email, "wangxiaoming", "203.0.113.77", platform.bot] + platform.secrets
        if let ciphertext { forbidden.append(String(ciphertext.prefix(24))) }
        let originals = Self.originalValues(plaintext)
        #expect(originals.count >= 3, "the plaintext's values were read: \(originals.count)")
        forbidden += originals
        for file in try FileManager.default.contentsOfDirectory(atPath: made.path) {
            let content = String(decoding: FileManager.default.contents(atPath: made.appendingPathComponent(file).path) ?? Data(), as: UTF8.self)
            for value in forbidden {
                #expect(!content.contains(value), "\(file) still holds \(value)")
            }
        }
    }

    /// Keys whose values a fixture keeps on purpose, and why: the times a message was sent and
    /// its session expires (a case replays at its recorded `now`, and a time identifies no one)
    /// and what says which kind of payload it is.
    static let keptKeys: Set<String> = [
        "create_time", "CreateTime", "createAt", "timestamp", "sessionWebhookExpiredTime",
        "event_type", "msgtype", "MsgType", "message_type", "chat_type", "chattype", "conversationType", "platform", "schema", "type", "sender_type",
        // Feishu's placeholder for a mention in the text (`@_user_1`), part of the text's format.
        "key",
    ]

    /// Every value of six characters or more in a JSON or WeCom XML payload (in JSON held in a
    /// string too), except the message text (a value holding it) and ``keptKeys``' values.
    static func originalValues(_ plain: Data) -> [String] {
        var values: [String] = []
        func add(_ value: String, key: String?) {
            guard value.count >= 6, !value.contains("明天的会改到下午"), !keptKeys.contains(key ?? "") else { return }
            values.append(value)
        }
        func walk(_ value: JSONValue, key: String?) {
            switch value {
            case .object(let fields): for (name, field) in fields { walk(field, key: name) }
            case .array(let items): for item in items { walk(item, key: key) }
            case .string(let text):
                if text.hasPrefix("{"), let nested = try? JSONParser.parse(Data(text.utf8)) { walk(nested, key: key) } else { add(text, key: key) }
            case .number(let number): add(String(Int64(number)), key: key)
            default: break
            }
        }
        if plain.first == UInt8(ascii: "<") {
            for match in String(decoding: plain, as: UTF8.self).matches(of: #/<(\w+)>(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))</\1>/#) {
                add(String(match.output.2 ?? match.output.3 ?? ""), key: String(match.output.1))
            }
        } else if let json = try? JSONParser.parse(plain) {
            walk(json, key: nil)
        }
        return values
    }

    /// A production setting the anonymizer has no stand-in for (the fixture bot has no
    /// `callback_url`), pasted into a message: `fixture make` refuses, names the setting — not its
    /// value — and leaves no case behind.
    @Test func fixtureMakeRefusesToLeaveAProductionSetting() async throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = directory.appendingPathComponent("Fixtures/generic")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try JSONWriter.data(["bot": "generic-demo", "body_signed": true, "config": ["platform": "generic", "secret": "fixture-generic-secret-0123456789"]])
            .write(to: folder.appendingPathComponent("keys.json"))
        let hook = "https://hooks.corp-intranet.example.cn/switchboard/prod"
        try "state: {memory: true}\nbots:\n  prod-generic: {platform: generic, secret: prod-generic-secret-0123456789, callback_url: \"\(hook)\"}\n"
            .write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
        let body = JSONWriter.data([
            "id": .string(Self.message), "platform": "generic", "conversation": ["id": .string(Self.chat), "type": "direct"],
            "sender": ["id": .string(Self.user)], "text": .string("回调地址是 \(hook) 吗？"), "timestamp": 1_718_000_000_000,
        ])
        let recorded = directory.appendingPathComponent("recordings/prod-generic/20261207T000000.000Z-1")
        try FileManager.default.createDirectory(at: recorded, withIntermediateDirectories: true)
        try body.write(to: recorded.appendingPathComponent("body.json"))
        var headers: [String: JSONValue] = ["content-type": "application/json"]
        for field in GenericSignature(secret: "prod-generic-secret-0123456789").headers(for: body, now: Date(timeIntervalSince1970: 1_718_000_000)) {
            headers[field.name.canonicalName] = .string(field.value)
        }
        try JSONWriter.data([
            "bot": "prod-generic", "method": "POST", "url": "/webhooks/prod-generic", "headers": .object(headers), "body_file": "body.json", "now": 1_718_000_000,
        ]).write(to: recorded.appendingPathComponent("request.json"))

        let out = folder.appendingPathComponent("leaky")
        let output = try await CLIProcess.runAsync(
            ["fixture", "make", "--config", "switchboard.yaml", "--bot", "prod-generic", "--from", recorded.path, "--out", out.path], in: directory
        )
        #expect(output.status != 0)
        #expect(output.stderr.contains("bots.prod-generic.callback_url"), "\(output.stderr)")
        #expect(!output.stderr.contains("corp-intranet") && !output.stdout.contains("corp-intranet"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    static func recordedCases(_ recordings: URL, bot: String) throws -> [URL] {
        let folder = recordings.appendingPathComponent(bot)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { folder.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("events.json").path) }
    }

    static func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// A long-connection frame as the recorder keeps it (here: one of the project's own frame
    /// cases, recorded for a bot with other settings) ▸ `fixture make` ▸ a frame case that passes.
    struct FrameCase: Sendable, CustomTestStringConvertible {
        var folder: String
        var source: String
        var bot: String
        var yaml: String
        var testDescription: String { "\(folder)/\(source)" }
    }

    static let frames: [FrameCase] = [
        FrameCase(
            folder: "feishu", source: "ws-event-frame", bot: "prod-feishu-ws",
            yaml: "prod-feishu-ws: {platform: feishu, intake: websocket, app_id: cli_prod0123456789ab, app_secret: ProdFeishuAppSecret0000000000001, bot_open_id: ou_prodbot11111111111111111111111, host: \"http://127.0.0.1:9\"}"
        ),
        FrameCase(
            folder: "wecom", source: "aibot-ws-group-text-frame", bot: "prod-aibot-ws",
            yaml: "prod-aibot-ws: {platform: wecom, mode: aibot, intake: websocket, bot_id: aibProd0RealBotId123456789, secret: ProdBotSecret00000001, ws_url: \"ws://127.0.0.1:9\", bot_name: AI助手}"
        ),
        FrameCase(
            folder: "dingtalk", source: "stream-callback-frame", bot: "prod-ding-stream",
            yaml: "prod-ding-stream: {platform: dingtalk, mode: stream, app_key: dingf0apw4ibx5u5ktba, app_secret: ProdDingTalkSecret-0000000000000000001, api_base: \"http://127.0.0.1:9\", gateway_base: \"http://127.0.0.1:9\"}"
        ),
    ]

    @Test("a recorded long-connection frame ▸ fixture make ▸ a frame case that fixture check passes, its ids replaced", arguments: frames)
    func frameRoundTrip(_ frame: FrameCase) async throws {
        let directory = try scratchDirectory()
        let platformFolder = directory.appendingPathComponent("Fixtures").appendingPathComponent(frame.folder)
        try FileManager.default.createDirectory(at: platformFolder, withIntermediateDirectories: true)
        let source = Self.repository.appendingPathComponent(frame.folder)
        try FileManager.default.copyItem(at: source.appendingPathComponent("keys.json"), to: platformFolder.appendingPathComponent("keys.json"))
        // The recorder's layout: request.json (stream_frame) and the frame as received.
        let recorded = directory.appendingPathComponent("recordings").appendingPathComponent(frame.bot).appendingPathComponent("20261130T000000.000Z-1")
        try FileManager.default.createDirectory(at: recorded, withIntermediateDirectories: true)
        let original = try JSONParser.parse(try Data(contentsOf: source.appendingPathComponent(frame.source).appendingPathComponent("request.json")))
        let bodyFile = try #require(original["body_file"]?.string)
        try FileManager.default.copyItem(at: source.appendingPathComponent(frame.source).appendingPathComponent(bodyFile), to: recorded.appendingPathComponent(bodyFile))
        try JSONWriter.data(["bot": .string(frame.bot), "now": original["now"] ?? 0, "body_file": .string(bodyFile), "stream_frame": true])
            .write(to: recorded.appendingPathComponent("request.json"))
        try "state: {memory: true}\nbots:\n  \(frame.yaml)\n".write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)

        let made = platformFolder.appendingPathComponent("recorded-\(frame.bot)")
        let output = try await CLIProcess.runAsync(
            ["fixture", "make", "--config", "switchboard.yaml", "--bot", frame.bot, "--from", recorded.path, "--out", made.path], in: directory
        )
        #expect(output.status == 0, "\(output.stderr)")
        let check = try await CLIProcess.runAsync(["fixture", "check", made.path], in: directory)
        #expect(check.stdout.contains("1 passed, 0 failed"), "\(check.stdout)")

        // The original frame's people, chat and message are not in the new case.
        let events = try EventJSON.decode([ChatEvent].self, from: try Data(contentsOf: source.appendingPathComponent(frame.source).appendingPathComponent("events.json")))
        let made_events = try EventJSON.decode([ChatEvent].self, from: try Data(contentsOf: made.appendingPathComponent("events.json")))
        #expect(made_events.count == events.count)
        #expect(made_events.first?.text == events.first?.text, "text is kept")
        let forbidden = events.flatMap { [$0.sender.id, $0.conversation.id] + [$0.messageID].compactMap { $0 } }
        for file in try FileManager.default.contentsOfDirectory(atPath: made.path) {
            let content = String(decoding: try Data(contentsOf: made.appendingPathComponent(file)), as: UTF8.self)
            for value in forbidden where value.count >= 4 {
                #expect(!content.contains(value), "\(file) still holds \(value)")
            }
        }
    }

    /// Frames recorded by a running server from the platform's socket (the Feishu long connection
    /// and the WeCom AI-bot socket, played by their fakes) ▸ `fixture make` ▸ passing frame cases.
    @Test("frames recorded from a live long connection ▸ fixture make ▸ fixture check passes, the ids replaced")
    func liveFrames() async throws {
        let directory = try scratchDirectory()
        let recordings = directory.appendingPathComponent("recordings")
        for folder in ["feishu", "wecom"] {
            let platformFolder = directory.appendingPathComponent("Fixtures").appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: platformFolder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent(folder).appendingPathComponent("keys.json"), to: platformFolder.appendingPathComponent("keys.json"))
        }
        var yaml = "state: {memory: true}\nrecord: {dir: \"\(recordings.path)\"}\nengine: {poll_interval: 50ms}\nbots:\n"
        try await FakeFeishuOpenAPI.withRunning { api in
            try await FakeFeishuLongConnection.withRunning(api: api) { feishu in
                try await FakeWeComAIBotSocket.withRunning { wecom in
                    yaml += "  live-feishu: {platform: feishu, intake: websocket, app_id: \(FakeFeishuOpenAPI.appID), app_secret: \(FakeFeishuOpenAPI.appSecret), bot_open_id: \(FakeFeishuOpenAPI.botOpenID), host: \"\(feishu.url)\"}\n"
                    yaml += "  live-aibot: {platform: wecom, mode: aibot, intake: websocket, bot_id: \(FakeWeComAIBotSocket.botID), secret: \(FakeWeComAIBotSocket.secret), ws_url: \"\(wecom.url)\", bot_name: AI助手}\n"
                    try await RunningSwitchboard.run(yaml: yaml, adapters: [WeComAdapterFactory(), FeishuAdapterFactory()]) { _ in
                        try await feishu.waitFor("the Feishu socket") { feishu.openSockets == 1 }
                        try await wecom.waitFor("the WeCom subscription") { wecom.isSubscribed && wecom.openSockets == 1 }
                        let payload = FakeFeishuLongConnection.message(eventID: "ev-live-0001", messageID: "om_live00000000000000000000000001", text: "实时的问题")
                        try await feishu.push(FakeFeishuLongConnection.event(seqID: 9001, messageID: "msg-live-1", payload: payload))
                        try await wecom.push(FakeWeComAIBotSocket.message(reqID: "REQ-LIVE-1", msgid: "msglive000000000000000001", text: "实时的问题"))
                        try await waitUntil("both recordings", poll: .milliseconds(20)) {
                            let feishuCases = (try? Self.recordedCases(recordings, bot: "live-feishu")) ?? []
                            let wecomCases = (try? Self.recordedCases(recordings, bot: "live-aibot")) ?? []
                            return !feishuCases.isEmpty && !wecomCases.isEmpty
                        }
                    }
                }
            }
        }
        try yaml.write(to: directory.appendingPathComponent("switchboard.yaml"), atomically: true, encoding: .utf8)
        for (bot, folder, forbidden) in [
            ("live-feishu", "feishu", ["om_live00000000000000000000000001", "ev-live-0001", "ou_84aad35d084aa403a838cf73ee18467"]),
            ("live-aibot", "wecom", ["msglive000000000000000001", "REQ-LIVE-1"]),
        ] {
            // The socket's event frame (the recorder keeps every frame: pings and the subscription's answer too).
            let recorded = try #require(try Self.recordedCases(recordings, bot: bot).first { url in
                let events = (try? EventJSON.decode([ChatEvent].self, from: Data(contentsOf: url.appendingPathComponent("events.json")))) ?? []
                return !events.isEmpty
            }, "no recorded event frame for \(bot)")
            let request = try JSONParser.parse(try Data(contentsOf: recorded.appendingPathComponent("request.json")))
            #expect(request["stream_frame"] == .bool(true))
            let made = directory.appendingPathComponent("Fixtures").appendingPathComponent(folder).appendingPathComponent("live-\(bot)")
            let output = try await CLIProcess.runAsync(
                ["fixture", "make", "--config", "switchboard.yaml", "--bot", bot, "--from", recorded.path, "--out", made.path], in: directory
            )
            #expect(output.status == 0, "\(bot): \(output.stderr)")
            let check = try await CLIProcess.runAsync(["fixture", "check", made.path], in: directory)
            #expect(check.stdout.contains("1 passed, 0 failed"), "\(bot): \(check.stdout)")
            let events = try EventJSON.decode([ChatEvent].self, from: try Data(contentsOf: made.appendingPathComponent("events.json")))
            #expect(events.map(\.text) == ["实时的问题"], "\(bot)")
            for file in try FileManager.default.contentsOfDirectory(atPath: made.path) {
                let content = String(decoding: try Data(contentsOf: made.appendingPathComponent(file)), as: UTF8.self)
                for value in forbidden { #expect(!content.contains(value), "\(bot) \(file) still holds \(value)") }
            }
        }
    }
}
