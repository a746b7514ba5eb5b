import Foundation
@testable import SwitchboardWeCom
import Testing

@Suite("WeCom XML reader", .timeLimit(.minutes(5)))
struct WeComXMLTests {
    func read(_ text: String) throws -> WeComXML {
        try WeComXML(Data(text.utf8))
    }

    @Test("CDATA and plain values, nested elements, entities, comments and the XML declaration")
    func shapes() throws {
        let xml = try read("""
            \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
            <!-- WeCom event -->
            <xml>
              <ToUserName><![CDATA[wwfa6c0ffee1234567]]></ToUserName>
              <FromUserName>zhangsan</FromUserName>
              <Content><![CDATA[a ]]]]><![CDATA[> b]]> &lt;tag&gt; &amp; &#x4F60;&#22909;</Content>
              <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult>1</ScanResult></ScanCodeInfo>
              <EventKey><![CDATA[]]></EventKey>
              <Empty/>
              <Repeated>first</Repeated><Repeated>second</Repeated>
            </xml>
            """.replacingOccurrences(of: "\u{FEFF}", with: "\u{FEFF}"))
        #expect(xml["ToUserName"] == "wwfa6c0ffee1234567")
        #expect(xml["FromUserName"] == "zhangsan")
        #expect(xml["Content"] == "a ]]> b <tag> & 你好")
        #expect(xml["ScanCodeInfo.ScanResult"] == "1")
        #expect(xml["ScanCodeInfo.ScanType"] == "qrcode")
        #expect(xml["ScanCodeInfo"] == nil)
        #expect(xml["EventKey"] == "")
        #expect(xml["Empty"] == "")
        #expect(xml["Repeated"] == "first")
    }

    @Test("Tencent's sample envelope, with newlines between elements")
    func envelope() throws {
        let xml = try read("<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[Kl7k+/=]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>")
        #expect(xml["Encrypt"] == "Kl7k+/=")
        #expect(xml["AgentID"] == "1000002")
    }

    @Test("external entities, billion laughs and any DTD are refused before anything is read")
    func declarations() {
        let xxe = """
            <?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>
            """
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><xml><Content>&lol3;</Content></xml>
            """
        for text in [xxe, laughs, "<!DOCTYPE xml><xml/>", "<xml><!ENTITY a \"b\"><A>x</A></xml>"] {
            #expect(throws: WeComXML.Failure.declaration) { try read(text) }
        }
        // An entity that was never declared is refused too.
        #expect(throws: WeComXML.Failure.self) { try read("<xml><Content>&xxe;</Content></xml>") }
    }

    @Test("oversized and malformed documents are refused")
    func malformed() {
        #expect(throws: WeComXML.Failure.tooLarge) { try WeComXML(Data(count: WeComXML.maxBytes + 1)) }
        let broken = [
            "", "not xml", "<xml>", "<xml><A>x</B></xml>", "<xml><A><![CDATA[x</A></xml>", "<xml></xml><extra/>",
            "<xml><?php evil ?></xml>", "<xml><A>&#0;</A></xml>", "<xml><A attr=x>y</A></xml>",
            String(repeating: "<a>", count: 20) + String(repeating: "</a>", count: 20),
        ]
        for text in broken {
            #expect(throws: WeComXML.Failure.self, "\(text)") { try read(text) }
        }
    }
}
