public import Foundation

/// What HTTP backends share: the text a user gets when the backend cannot answer, and the API base
/// normalisation of `base_url`.
public enum BackendDefaults {
    public static let fallbackText = "抱歉，暂时无法回答，请稍后再试。/ Sorry, I can't answer right now. Please try again later."

    /// `https://api.example.com`, `…/v1` and `…/v1/` all become `…/v1`.
    public static func apiBase(_ url: URL) -> String {
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text.hasSuffix("/v1") ? text : text + "/v1"
    }
}
