public import SwitchboardCore

extension SwitchboardPlugin {
    /// WeCom: self-built app, AI bot, group robot.
    public static let weCom = SwitchboardPlugin(name: "wecom", adapters: [WeComAdapterFactory()], demos: [WeComDemo.app, WeComDemo.aiBot, WeComAIBotSocketDemo.scenario])
}
