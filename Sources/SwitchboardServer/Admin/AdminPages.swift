import Foundation
import Mustache
import SwitchboardCore
import SwitchboardTelemetry

/// The console's HTML, rendered on the server from ``AdminTemplates`` and the ``AdminService``
/// views. Values are escaped by mustache (`{{…}}`); only the layout's body and the SVG charts,
/// both made here, are inserted raw.
struct AdminPages: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, text) in [
            ("layout", AdminTemplates.layout), ("login", AdminTemplates.login), ("overview", AdminTemplates.overview),
            ("routes", AdminTemplates.routes), ("jobs", AdminTemplates.jobs), ("job", AdminTemplates.job),
            ("conversations", AdminTemplates.conversations),
        ] {
            // The templates are part of the binary; a broken one is a programming error.
            try! library.register(text, named: name)
        }
        self.library = library
    }

    struct Frame {
        var title: String
        var csrf: String?
        var flash: String?
        var error: String?
        var refresh: Int?
    }

    func page(_ template: String, _ values: [String: Any], frame: Frame) -> String {
        var values = values
        values["csrf"] = frame.csrf ?? ""
        let body = library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": frame.title, "body": body, "signedIn": frame.csrf != nil, "csrf": frame.csrf ?? ""]
        if let flash = frame.flash { layout["flash"] = flash }
        if let error = frame.error { layout["error"] = error }
        if let refresh = frame.refresh { layout["refresh"] = refresh }
        return library.render(layout, withTemplate: "layout") ?? ""
    }

    // MARK: Values for each page

    static func overview(_ overview: AdminViews.Overview) -> [String: Any] {
        let minutes = overview.lastHour
        var values: [String: Any] = [
            "configFile": overview.configFile ?? "(none)",
            "bots": overview.bots.map { bot -> [String: Any] in
                let status = bot.status
                var token = "—"
                if let expires = status.tokenExpiresAt {
                    token = expires > Date() ? "有效至 valid until \(time(expires))" : "已过期 expired \(time(expires))"
                }
                var connection = "—"
                if let up = status.connected { connection = up ? "已连接 connected" : "未连接 disconnected" }
                return [
                    "id": bot.id, "platform": bot.platform, "mode": bot.mode ?? "—", "webhookURL": bot.webhookURL,
                    "lastEvent": status.lastEventAt.map(time) ?? "—", "lastDelivery": status.lastDeliveryAt.map(time) ?? "—",
                    "lastError": status.lastError.map { "\(time(status.lastErrorAt ?? Date())) \($0)" } ?? "",
                    "token": token, "connection": connection,
                ]
            },
            "backends": overview.backends.map { backend -> [String: Any] in
                [
                    "name": backend.name, "check": backend.check, "detail": backend.detail ?? "",
                    "checkedAt": backend.checkedAt.map(time) ?? "—",
                    "style": backend.check == "reachable" ? "ok" : backend.check == "not_checked" ? "muted" : "bad",
                ]
            },
            "queue": ["pending": overview.queue.pending, "leased": overview.queue.leased],
            "oldestPending": String(format: "%.0f s", overview.queue.oldestPendingSeconds),
            "messagesChart": SVGChart.bars(minutes.map { Double($0.messages) }) { String(format: "%.0f", $0) },
            "ackChart": SVGChart.bars(minutes.map { $0.ackSecondsMean * 1000 }) { String(format: "%.1f ms", $0) },
            "answerChart": SVGChart.bars(minutes.map(\.answerSecondsMean)) { String(format: "%.1f s", $0) },
        ]
        if let reloaded = overview.reloadedAt { values["reloadedAt"] = time(reloaded) }
        return values
    }

    static func routes(_ routes: AdminViews.Routes, bots: [AdminViews.Bot], form: AdminViews.TryMessage?, result: AdminViews.TryResult?) -> [String: Any] {
        var values: [String: Any] = [
            "rules": routes.rules.enumerated().map { index, rule -> [String: Any] in
                ["number": index + 1, "name": rule.name, "description": rule.description, "backend": rule.backend, "scope": rule.scope]
            },
            "warnings": routes.warnings, "hasWarnings": !routes.warnings.isEmpty,
            "bots": bots.map { ["id": $0.id, "platform": $0.platform, "selected": $0.id == form?.bot] as [String: Any] },
            "direct": (form?.chat ?? "direct") == "direct", "mentions": form?.mentionsBot ?? false, "text": form?.text ?? "",
        ]
        if let result {
            values["result"] = [
                "decision": result.decision, "rule": result.rule ?? "—", "backend": result.backend ?? "—",
                "scopeKey": result.scopeKey ?? "—", "command": result.command ?? "—",
            ]
        }
        return values
    }

    static let windows: [(value: String, label: String, seconds: Double?)] = [
        ("1h", "1 小时 1 hour", 3600), ("24h", "24 小时 24 hours", 86400), ("7d", "7 天 7 days", 7 * 86400), ("all", "全部 all", nil),
    ]

    static func jobs(_ jobs: [AdminViews.JobSummary], status: String, bot: String, within: String) -> [String: Any] {
        [
            "statuses": JobStatus.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == status] as [String: Any] },
            "windows": windows.map { ["value": $0.value, "label": $0.label, "selected": $0.value == within] as [String: Any] },
            "bot": bot,
            "jobs": jobs.map { job -> [String: Any] in
                [
                    "id": job.id, "link": pathComponent(job.id), "bot": job.bot, "status": job.status, "style": style(job.status),
                    "attempts": job.attempts, "enqueued": time(job.enqueuedAt), "text": job.text, "lastError": job.lastError ?? "",
                ]
            },
        ]
    }

    static func job(_ job: AdminViews.JobDetail) -> [String: Any] {
        let event = (try? String(decoding: JSONEncoder.pretty.encode(job.event), as: UTF8.self)) ?? ""
        var values: [String: Any] = [
            "summary": ["id": job.summary.id, "status": job.summary.status, "attempts": job.summary.attempts],
            "link": pathComponent(job.summary.id), "style": style(job.summary.status),
            "enqueued": time(job.summary.enqueuedAt),
            "route": [
                "decision": job.route.decision, "rule": job.route.rule ?? "—", "backend": job.route.backend ?? "—", "scopeKey": job.route.scopeKey ?? "—",
            ],
            "history": job.history.map { attempt -> [String: Any] in
                [
                    "attempt": attempt.attempt == 0 ? "operator" : "\(attempt.attempt)", "owner": attempt.owner ?? "—",
                    "started": time(attempt.startedAt), "ended": attempt.endedAt.map(time) ?? "—",
                    "took": attempt.endedAt.map { String(format: "%.2f s", $0.timeIntervalSince(attempt.startedAt)) } ?? "—",
                    "outcome": attempt.outcome.rawValue, "error": attempt.error ?? "",
                ]
            },
            "eventJSON": event,
            "canRetry": job.summary.status == "failed" || job.summary.status == "discarded",
            "canDiscard": job.summary.status == "failed",
        ]
        if let finished = job.summary.finishedAt { values["finished"] = time(finished) }
        if let trace = job.traceID { values["traceID"] = trace }
        if !job.replyState.isEmpty { values["replyState"] = job.replyState.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n") }
        return values
    }

    static func conversation(_ conversation: AdminViews.Conversation?, key: String) -> [String: Any] {
        var values: [String: Any] = ["key": key]
        if let conversation {
            values["conversation"] = [
                "key": conversation.key, "conversationID": conversation.conversationID ?? "—",
                "lastUsed": conversation.lastUsed.map(time) ?? "—", "generation": conversation.generation,
            ]
        }
        return values
    }

    static func style(_ status: String) -> String {
        switch status {
        case "done": "ok"
        case "failed": "bad"
        default: "muted"
        }
    }

    /// A job id inside a URL path (ids hold `:` and may hold `/`).
    static func pathComponent(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? id
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false))
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
