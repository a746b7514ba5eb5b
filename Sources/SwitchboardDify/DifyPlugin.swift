public import SwitchboardCore

extension SwitchboardPlugin {
    /// Dify backends (`type: dify`).
    public static let dify = SwitchboardPlugin(name: "dify", backends: [DifyBackendFactory()])
}
