import SwitchboardCore
import Testing

@Suite("Egress policy", .timeLimit(.minutes(5)))
struct EgressPolicyTests {
    @Test("internal, metadata and reserved addresses are refused; public ones pass", arguments: [
        ("127.0.0.1", IPAddress.Kind.loopback), ("10.0.0.12", .private), ("172.16.5.4", .private), ("172.31.255.255", .private),
        ("192.168.1.1", .private), ("169.254.169.254", .linkLocal), ("100.100.100.200", .shared), ("0.0.0.0", .reserved),
        ("224.0.0.1", .multicast), ("255.255.255.255", .reserved), ("::1", .loopback), ("::", .reserved), ("fe80::1", .linkLocal),
        ("fd00:ec2::254", .uniqueLocal), ("ff02::1", .multicast), ("::ffff:127.0.0.1", .loopback), ("::ffff:10.1.2.3", .private),
        ("64:ff9b::a9fe:a9fe", .linkLocal), ("[::1]", .loopback),
        ("8.8.8.8", .public), ("172.32.0.1", .public), ("100.128.0.1", .public), ("2606:4700:4700::1111", .public), ("::ffff:8.8.8.8", .public),
    ])
    func classifies(address text: String, kind: IPAddress.Kind) throws {
        let address = try #require(IPAddress(text), "\(text) should parse")
        #expect(address.kind == kind)
        let refusal = EgressPolicy().refusal(host: "example.test", addresses: [address])
        #expect((refusal == nil) == (kind == .public), "\(refusal ?? "allowed")")
    }

    @Test("host names and garbage are not addresses")
    func notAddresses() {
        for text in ["localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1:2:3:4:5:6:7:8:9", ":::", "01.2.3.4x"] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
    }

    @Test("allow_hosts lets named hosts through wherever they resolve; allow_private opens private ranges but never loopback or metadata; every address of a name must pass")
    func allowances() throws {
        let internalAddress = try #require(IPAddress("10.0.0.12"))
        let loopback = try #require(IPAddress("127.0.0.1"))
        let metadata = try #require(IPAddress("169.254.169.254"))
        let public1 = try #require(IPAddress("8.8.8.8"))
        let named = EgressPolicy(allowHosts: ["images.corp.example", "*.intranet.example"])
        #expect(named.refusal(host: "images.corp.example", addresses: [internalAddress]) == nil)
        #expect(named.refusal(host: "IMAGES.corp.example", addresses: [loopback]) == nil)
        #expect(named.refusal(host: "a.intranet.example", addresses: [internalAddress]) == nil)
        #expect(named.refusal(host: "intranet.example.evil", addresses: [internalAddress]) != nil)
        let privateOK = EgressPolicy(allowPrivate: true)
        #expect(privateOK.refusal(host: "x", addresses: [internalAddress]) == nil)
        #expect(privateOK.refusal(host: "x", addresses: [loopback]) != nil)
        #expect(privateOK.refusal(host: "x", addresses: [metadata]) != nil)
        #expect(EgressPolicy().refusal(host: "rebind.example", addresses: [public1, internalAddress]) != nil, "a name with one internal address is refused")
        #expect(EgressPolicy().refusal(host: "nowhere.example", addresses: []) != nil)
    }
}
