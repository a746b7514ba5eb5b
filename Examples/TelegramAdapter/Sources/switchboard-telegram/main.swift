import SwitchboardCLI
import SwitchboardTelegram

// The whole Switchboard CLI — serve, check, decode, render, send, demo — with Telegram in it.
await SwitchboardCLI.main(plugins: SwitchboardCLI.builtIns + [.telegram])
