import Foundation
import SwitchboardCore

/// `backends.<name>` with `type: openai`: any OpenAI-compatible Chat Completions endpoint (OpenAI,
/// DeepSeek, Qwen through DashScope's compatible mode, Ollama, vLLM).
///
/// ```yaml
/// backends:
///   assistant:
///     type: openai
///     base_url: https://api.deepseek.com/v1     # …/v1 (added when missing)
///     api_key: ${DEEPSEEK_API_KEY}              # optional for a local server
///     model: deepseek-chat
///     system_prompt: 你是公司的内部助手。
///     temperature: 0.3                          # optional
///     max_tokens: 1024                          # optional
///     history_turns: 10                         # earlier question/answer pairs sent along; 0: none
///     history_characters: 8000                  # and at most this much of them
///     show_thinking: false                      # reasoning_content as a quote before the answer
/// ```
struct OpenAIConfiguration: Sendable {
    var name: String
    var baseURL: String
    var apiKey: String?
    var model: String
    var systemPrompt: String?
    var temperature: Double?
    var maxTokens: Int?
    var historyTurns: Int
    var historyCharacters: Int
    var showThinking: Bool
    var fallbackText: String
    /// The question sent with a picture that came without text.
    var imageQuery: String
    var timeout: Duration
    var retries: Int
    var retryInitialDelay: Duration

    static let defaultFallback = BackendDefaults.fallbackText

    init(name: String, config: ConfigSection) throws {
        self.name = name
        baseURL = BackendDefaults.apiBase(try config.url("base_url"))
        apiKey = try config.optionalString("api_key")
        model = try config.string("model")
        systemPrompt = try config.optionalString("system_prompt")
        if let text = try config.optionalString("temperature") {
            guard let value = Double(text), (0...2).contains(value) else { throw config.error("temperature", "must be a number from 0 to 2") }
            temperature = value
        }
        maxTokens = try config.optionalInt("max_tokens", range: 1...1_000_000)
        historyTurns = try config.int("history_turns", default: 10, range: 0...100)
        historyCharacters = try config.int("history_characters", default: 8000, range: 0...1_000_000)
        showThinking = try config.bool("show_thinking", default: false)
        fallbackText = try config.string("fallback_text", default: Self.defaultFallback)
        imageQuery = try config.string("image_query", default: "请描述这张图片。")
        timeout = try config.duration("timeout", default: .seconds(180))
        guard timeout > .zero else { throw config.error("timeout", "must be more than 0") }
        retries = try config.int("retries", default: 2, range: 0...10)
        retryInitialDelay = try config.duration("retry_initial_delay", default: .seconds(1))
    }

}
