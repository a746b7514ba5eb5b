import ArgumentParser
public import SwitchboardCore
import SwitchboardDingTalk
import SwitchboardDify
import SwitchboardFeishu
import SwitchboardOpenAI
import SwitchboardPostgres
import SwitchboardSQLite
import SwitchboardWeCom
import Synchronization

/// The whole `switchboard` command line — `serve`, `check`, `decode`, `render`, `send`, `demo`,
/// `jobs`, `conversations`, `reload` — as a library, run with the plugins given. The `switchboard`
/// executable is `SwitchboardCLI.main()`; a package that adds a platform ships its own executable:
///
/// ```swift
/// import SwitchboardCLI
/// import SwitchboardTelegram
///
/// @main struct Main {
///     static func main() async { await SwitchboardCLI.main(plugins: SwitchboardCLI.builtIns + [.telegram]) }
/// }
/// ```
public enum SwitchboardCLI {
    /// What the `switchboard` executable ships — the built-in platforms, backends and stores, each
    /// a ``SwitchboardPlugin`` like a third party's.
    public static let builtIns: [SwitchboardPlugin] = [.core, .weCom, .feishu, .dingTalk, .dify, .openAI, .sqlite, .postgres]

    /// Parses the process's arguments and runs the command with `plugins`; exits. Two plugins that
    /// claim one platform, backend type or store end it with one line naming both.
    /// - Parameter defaultStateStore: the store used when `state:` names none.
    public static func main(plugins: [SwitchboardPlugin] = builtIns, defaultStateStore: String = "sqlite") async -> Never {
        do {
            let set = try PluginSet(plugins, defaultStateStore: defaultStateStore)
            installed.withLock { $0 = set }
        } catch {
            printError("error: \(error)")
            SwitchboardCommand.exit(withError: ExitCode.failure)
        }
        await SwitchboardCommand.main()
        SwitchboardCommand.exit()
    }

    /// The plugins the running command was given (the built-ins until `main` says otherwise: tests
    /// call commands directly).
    static var plugins: PluginSet {
        installed.withLock { $0 }
    }

    private static let installed = Mutex<PluginSet>(try! PluginSet(builtIns, defaultStateStore: "sqlite"))
}
