import Crypto
import CryptoExtras
import Foundation

/// Known answers: Tencent's published sample (`weworkapi_python` callback/Sample.py) and the
/// vectors of platforms.md §6.1, which were checked with wechatpy.
enum WeComVectors {
    enum Tencent {
        static let token = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
        /// Its last character carries non-zero spare bits, as console-issued keys do.
        static let key = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
        static let corpID = "ww1436e0e65a779aee"

        static let verifySignature = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
        static let verifyTimestamp = "1476416373"
        static let verifyNonce = "47744683"
        static let echostr = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
        static let echoPlain = "1288432023552776189"

        static let messageSignature = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
        static let messageTimestamp = "1476422779"
        static let messageNonce = "1597212914"
        static let encrypt = "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
        static let messagePlain = "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
    }

    enum Fixture {
        static let token = "QDG6eK"
        static let key = "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g"
        static let corpID = "wwfa6c0ffee1234567"
        static let timestamp = "1718000000"
        static let nonce = "1372623149"
        /// The random prefix the vectors were made with.
        static let random = Array("0123456789abcdef".utf8)

        static let echostr = "t08andYr7Zx5v+9ZNTWij3f7oOagb5mEteMmkR/0p8Idd6eLPnzmjH8C5hqWOiy421CpSfxWtK1ZZ3x6w8yH2A=="
        static let echoSignature = "8229f56be6e02af1c706bdf38e944b5588806c58"
        static let echoPlain = "8713452678653921067"

        static let appSignature = "66127e616dc6c4af3518419eb04b3b819935baa6"
        static let appEncrypt = "aew5qt4WEE28tWP2qy6oIuy9mbkqGSw/ceZayI046vLXTJC5FFc4lnQ6cakj/a91HcOmOGUsUy/R7BmpQY37dz/KDdMMICyA+fOPrhhLXgSOSlWnMP002oxQkFz+UKiEIb0a0Y6Km1TG0SJRfPk4bLDi0JhVlipKKO7bkZ5R9+i6M4TrFPRgBkHh5YObP+mhqbhoDS017JhrHGUkIyjPHiZvXkw9DR8dvDlcOCgvAvCnKaYaWb/rHa3TNqmvaDD4JJIQm3rjKllUCT3YUAZCN27n3uxSFdVCSZ1WlR64fWgsiCOTz5vRsN8HtUQfZjVgUrgv9cTKxYg7nWjxgajlDuYyD5dxOWpLr8i5k2QqgadurLkETH+MsWlQ9lpYYa8rQI6LAM67B2pXvWJNhrnSzyNqOAMf8+3n6EUDRBkgUvmZrGXnvKZnEkTfqHvOPwdjY0QI1XdXkxaYo2ITIeVq7Q=="
        static let appPlain = "<xml><ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1718000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好，帮我查一下年假]]></Content><MsgId>7382910456123456789</MsgId><AgentID>1000002</AgentID></xml>"

        static let aibotSignature = "450c7d0546cc053246fdb110812969a5be5fa496"
        static let aibotEncrypt = "aew5qt4WEE28tWP2qy6oIod7qerZ9aJhgYW3RBGm8t+LLXdKaOrHA7jU+wkb/WVJgU3/aJWhIZH0+BUbsWKNVFKrnvq+1rLshE/dqseATcGOvbLMQfZ4i0GE0qQwSMUAB3vzstVWPUBd6uMvTNjzzXacnaS/JQLZV51cCYSyCvXYfZsqStFQYIejvclvT9Vn5qgN/1LUUDbUyjwImylsO3e/XvqeXkLeXa+BHtggm5tb7Hkc5DKijINI1+CuqkurJt5kg+5jKv0knvJwRDIoeXuZ0f8frMhIksluIG3e77A3g88K7MqBkEmLC9Gicu5obmf1+qWyZJ5HSfWbHzh5tcynYlwH+u5y/Jz+5y1sCQ8NHwbT/tVUYM4Dd/2O2LaUHzZTsWFN+87dyd46gpBZgOqeks/FZIc5g6VPt4TdeSa3WQnNTvzO/uLsnnsa1PhdVOX7QzFyyDZo4A4Ucq2jYOodt18cYavcDLWySfqm3gnlFhoNBrjYBH1+cCtv6g/D"
        static let aibotPlain = #"{"msgid":"f3d2a1b0c9e8d7c6b5a4f3e2d1c0b9a8","aibotid":"aibAbCdEfGhIjKlMnOpQrStUvWxYz012","chatid":"wrkSFfCgAAtJ7QzXXoEX_bQ5y4kF0e0w","chattype":"group","from":{"userid":"zhangsan"},"response_url":"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSE_CODE","msgtype":"text","text":{"content":"@AI助手 今天北京天气怎么样"}}"#
    }
}

/// WXBizMsgCrypt written again for the tests from the published description, sharing nothing
/// with the production code but the AES primitive: what Switchboard encrypts must open here.
enum IndependentWXBizMsgCrypt {
    static func key(_ encodingAESKey: String) -> [UInt8] {
        // Python's b64decode(key + "=") ignores the spare bits; Foundation does too once they are cleared.
        var text = Array(encodingAESKey.utf8)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let value = alphabet.firstIndex(of: text[42])!
        text[42] = alphabet[value & ~0b11]
        return [UInt8](Data(base64Encoded: String(decoding: text, as: UTF8.self) + "=")!)
    }

    /// (message, receive id) from base64 ciphertext.
    static func open(_ ciphertext: String, encodingAESKey: String) throws -> (message: String, receiveID: String) {
        let key = key(encodingAESKey)
        let raw = try AES._CBC.decrypt(Data(base64Encoded: ciphertext)!, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: key[0..<16]), noPadding: true)
        let bytes = [UInt8](raw)
        let pad = Int(bytes.last!)
        precondition((1...32).contains(pad))
        let body = Array(bytes[16..<(bytes.count - pad)])
        let length = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
        return (String(decoding: body[4..<(4 + length)], as: UTF8.self), String(decoding: body[(4 + length)...], as: UTF8.self))
    }

    /// Encrypts like WeCom's servers do: random prefix, length, message, receive id, 32-byte PKCS#7.
    static func seal(_ message: String, receiveID: String, encodingAESKey: String) throws -> String {
        var plain = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let bytes = Array(message.utf8)
        plain += withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init)
        plain += bytes + Array(receiveID.utf8)
        let pad = 32 - plain.count % 32
        plain += [UInt8](repeating: UInt8(pad), count: pad)
        return try sealBlocks(plain, encodingAESKey: encodingAESKey)
    }

    /// Raw AES-CBC over whole blocks with the WeCom key and IV, for building broken ciphertexts.
    static func sealBlocks(_ plain: [UInt8], encodingAESKey: String) throws -> String {
        let key = key(encodingAESKey)
        return try AES._CBC.encrypt(plain, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: key[0..<16]), noPadding: true).base64EncodedString()
    }

    static func sha1Signature(_ parts: [String]) -> String {
        Insecure.SHA1.hash(data: Data(parts.sorted().joined().utf8)).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
