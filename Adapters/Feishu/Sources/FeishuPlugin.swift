public import SwitchboardCore

extension SwitchboardPlugin {
    /// Feishu / Lark: self-built app, custom bot.
    public static let feishu = SwitchboardPlugin(name: "feishu", adapters: [FeishuAdapterFactory()], demos: [FeishuDemo.groupMessage, FeishuLongConnectionDemo.scenario])
}
