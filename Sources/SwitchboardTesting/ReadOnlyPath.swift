import Foundation

/// Makes a file or folder unwritable, for tests of what happens then — for root too, who ignores permission bits: there the
/// immutable attribute does it (`chattr +i`, ext4 and most Linux file systems).
public enum ReadOnlyPath {
    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    public static func make(_ path: String) throws {
        if getuid() == 0 {
            try run("/usr/bin/chattr", "+i", path)
        } else {
            let isFolder = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeDirectory
            try FileManager.default.setAttributes([.posixPermissions: isFolder ? 0o555 : 0o444], ofItemAtPath: path)
        }
    }

    public static func undo(_ path: String) {
        if getuid() == 0 {
            try? run("/usr/bin/chattr", "-i", path)
        } else {
            let isFolder = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeDirectory
            try? FileManager.default.setAttributes([.posixPermissions: isFolder ? 0o755 : 0o644], ofItemAtPath: path)
        }
    }

    private static func run(_ tool: String, _ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(description: "\(tool) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
