import Foundation
import SwitchboardCore

/// A received message's `content` — a JSON string whose shape depends on `message_type`
/// (platforms.md §2a) — as segments. Mentions are `@_user_N` placeholders resolved through the
/// message's `mentions`; an `@` inside ordinary text (an e-mail address) is never a mention.
struct FeishuContent {
    /// Resolves a placeholder (`@_user_1`, `@_all`) to whom it names.
    var mention: (String) -> Participant?

    /// Segments in reading order; nil for a kind that is acknowledged and ignored.
    func segments(type: String, content: String) -> [Segment]? {
        let json = (try? JSONParser.parse(content)) ?? .null
        switch type {
        case "post":
            return post(json)
        case "text":
            return text(json["text"]?.string ?? "")
        case "image":
            return [.image(MediaReference(mediaID: json["image_key"]?.string))]
        case "file":
            return [.file(MediaReference(mediaID: json["file_key"]?.string, name: json["file_name"]?.string))]
        case "audio":
            return [.audio(MediaReference(mediaID: json["file_key"]?.string))]
        case "media":
            return [.video(MediaReference(mediaID: json["file_key"]?.string, name: json["file_name"]?.string))]
        case "sticker":
            return [.image(MediaReference(mediaID: json["file_key"]?.string, name: "sticker"))]
        default:
            return nil
        }
    }

    /// `@_user_1 帮我总结一下` ▸ a mention and a text segment. Only the exact keys of `mentions`
    /// (and `@_all`) are placeholders.
    func text(_ text: String) -> [Segment] {
        var segments: [Segment] = []
        var pending = ""
        var rest = Substring(text)
        while let at = rest.firstIndex(of: "@") {
            let candidate = rest[at...].prefix { !$0.isWhitespace }
            if let key = placeholder(in: candidate), let who = mention(String(key)) {
                pending += rest[..<at]
                if !pending.isEmpty { segments.append(.text(pending)) }
                pending = ""
                segments.append(.mention(who))
                rest = rest[rest.index(at, offsetBy: key.count)...]
            } else {
                pending += rest[...at]
                rest = rest[rest.index(after: at)...]
            }
        }
        pending += rest
        if !pending.isEmpty { segments.append(.text(pending)) }
        return segments
    }

    /// The placeholder at the start of `word`: `@_user_12` (digits greedy) or `@_all`.
    private func placeholder(in word: Substring) -> Substring? {
        if word.hasPrefix("@_all") { return word.prefix(5) }
        guard word.hasPrefix("@_user_") else { return nil }
        let digits = word.dropFirst(7).prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : word.prefix(7 + digits.count)
    }

    /// Received `post`: `{"title", "content": [[element…]…]}`; a locale wrapper (`{"zh_cn": …}`),
    /// which platforms.md says is absent on receive [M], is accepted too.
    func post(_ json: JSONValue) -> [Segment] {
        var body = json
        if json["content"] == nil, case .object(let locales) = json, let first = locales.sorted(by: { $0.key < $1.key }).first?.value {
            body = first
        }
        var segments: [Segment] = []
        var text = ""
        func flush() {
            if !text.isEmpty { segments.append(.text(text)) }
            text = ""
        }
        if let title = body["title"]?.string, !title.isEmpty { text = title + "\n" }
        for (index, line) in (body["content"]?.array ?? []).enumerated() {
            if index > 0 { text += "\n" }
            for element in line.array ?? [] {
                switch element["tag"]?.string {
                case "text", "md":
                    text += element["text"]?.string ?? ""
                case "a":
                    flush()
                    segments.append(.link(url: element["href"]?.string ?? "", title: element["text"]?.string))
                case "at":
                    let key = element["user_id"]?.string ?? ""
                    if let who = mention(key) {
                        flush()
                        segments.append(.mention(who))
                    } else if let name = element["user_name"]?.string {
                        text += "@" + name
                    }
                case "img":
                    flush()
                    segments.append(.image(MediaReference(mediaID: element["image_key"]?.string)))
                case "media":
                    flush()
                    segments.append(.video(MediaReference(mediaID: element["file_key"]?.string)))
                case "emotion":
                    text += ":\(element["emoji_type"]?.string ?? "emoji"):"
                case "code_block":
                    text += element["text"]?.string ?? ""
                default:
                    break
                }
            }
        }
        flush()
        return segments
    }
}
