import SwitchboardCLI

// The whole CLI lives in SwitchboardCLI; this binary runs it with the built-in plugins.
await SwitchboardCLI.main()
