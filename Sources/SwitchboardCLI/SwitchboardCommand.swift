import ArgumentParser

struct SwitchboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "One bot in WeCom, Feishu/Lark and DingTalk, with Dify as its brain.",
        discussion: "Output meant for programs is JSON on stdout; messages for people go to stderr.",
        subcommands: [
            ServeCommand.self, CheckCommand.self, DecodeCommand.self, RenderCommand.self, SendCommand.self, JobsCommand.self, ConversationsCommand.self, ReloadCommand.self,
            DemoCommand.self, FixtureCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}
