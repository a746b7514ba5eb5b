public import SwitchboardCore

extension SwitchboardPlugin {
    /// DingTalk: app robot (Stream or HTTP), custom robot.
    public static let dingTalk = SwitchboardPlugin(name: "dingtalk", adapters: [DingTalkAdapterFactory()], demos: [DingTalkDemo.groupMessage])
}
