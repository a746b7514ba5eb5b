public import SwitchboardCore

extension SwitchboardPlugin {
    /// Telegram bots (`platform: telegram`), over the Bot API's webhooks: the adapter, its
    /// MarkdownV2 render targets for `switchboard render`, and a `switchboard demo` scenario.
    public static let telegram = SwitchboardPlugin(
        name: "telegram", adapters: [TelegramAdapterFactory()], renderTargets: [.telegramMarkdownV2, .telegramText],
        demos: [TelegramDemo.groupMention]
    )
}
