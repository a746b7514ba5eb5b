public import Foundation

/// The content type of a file from its first bytes — not from its name or the platform's
/// Content-Type, which can say anything. Knows the formats chat platforms carry: pictures (PNG,
/// JPEG, GIF, WebP, BMP, TIFF, HEIC), PDF, Office files (ZIP containers, told apart by the
/// name's extension), voice (AMR, Ogg/Opus, MP3, WAV, M4A) and video (MP4, QuickTime).
public enum MediaSniffer {
    /// The MIME type for `prefix` (the first 64 bytes are enough), or nil when the bytes are none
    /// of the formats known here.
    public static func mimeType(of prefix: Data, name: String = "") -> String? {
        let bytes = [UInt8](prefix.prefix(64))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + magic.count && Array(bytes[offset..<(offset + magic.count)]) == magic
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if ascii("GIF87a") || ascii("GIF89a") { return "image/gif" }
        if ascii("RIFF"), ascii("WEBP", at: 8) { return "image/webp" }
        if ascii("RIFF"), ascii("WAVE", at: 8) { return "audio/wav" }
        if ascii("BM"), bytes.count >= 14 { return "image/bmp" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        if ascii("%PDF-") { return "application/pdf" }
        if ascii("#!AMR") { return "audio/amr" }
        if ascii("OggS") { return "audio/ogg" }
        if ascii("ID3") || starts([0xFF, 0xFB]) || starts([0xFF, 0xF3]) || starts([0xFF, 0xF2]) { return "audio/mpeg" }
        if ascii("ftyp", at: 4) {
            let brand = String(decoding: bytes.dropFirst(8).prefix(4), as: UTF8.self)
            switch brand {
            case "heic", "heix", "mif1", "msf1": return "image/heic"
            case "M4A ", "M4B ": return "audio/mp4"
            case "qt  ": return "video/quicktime"
            default: return "video/mp4"
            }
        }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            switch (name as NSString).pathExtension.lowercased() {
            case "docx": return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            case "xlsx": return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            case "pptx": return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            default: return "application/zip"
            }
        }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            switch (name as NSString).pathExtension.lowercased() {
            case "xls": return "application/vnd.ms-excel"
            case "ppt": return "application/vnd.ms-powerpoint"
            default: return "application/msword"
            }
        }
        return nil
    }

    /// A file extension for a MIME type (for a name when the platform gives none).
    public static func fileExtension(for mimeType: String) -> String {
        switch mimeType {
        case "image/png": "png"
        case "image/jpeg": "jpg"
        case "image/gif": "gif"
        case "image/webp": "webp"
        case "image/bmp": "bmp"
        case "image/tiff": "tiff"
        case "image/heic": "heic"
        case "application/pdf": "pdf"
        case "audio/amr": "amr"
        case "audio/ogg": "ogg"
        case "audio/mpeg": "mp3"
        case "audio/wav": "wav"
        case "audio/mp4": "m4a"
        case "video/mp4": "mp4"
        case "video/quicktime": "mov"
        default: "bin"
        }
    }
}
