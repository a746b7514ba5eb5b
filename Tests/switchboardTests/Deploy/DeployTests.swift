import Foundation
import Testing
import Yams

/// What can be checked of `deploy/` without a container engine or a cluster: every configuration
/// passes `switchboard check`; the chart renders to valid YAML whose probes, ports and shutdown
/// grace match what the binary serves and its configuration says. (Alert expressions are checked
/// against a real scrape in ``MetricsTests``.)
@Suite("Deploy files", .timeLimit(.minutes(10)))
struct DeployTests {
    static let root = HelmChart.root

    /// Plausible values for every `${VAR}` a deploy configuration reads.
    static func environment(for yaml: String) -> [String: String] {
        var environment: [String: String] = [:]
        var rest = Substring(yaml)
        while let start = rest.range(of: "${") {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "}") else { break }
            let name = String(rest[..<end].prefix { $0 != ":" })
            environment[name] =
                if name.hasSuffix("AES_KEY") { "5w2Ds6hSXI+Npqi63ahA5ny7+wuhgZn5/OWsx+Vi95g" }
                else if name == "FEISHU_APP_ID" { "cli_a1b2c3d4e5f6a7b8" }
                else if name.hasSuffix("_URL") || name.hasSuffix("ENDPOINT") { "https://example.com/v1" }
                else { "placeholder-value-0123456789" }
            rest = rest[end...]
        }
        return environment
    }

    static func check(_ yaml: String, named name: String) async throws {
        let directory = try scratchDirectory()
        try yaml.write(to: directory.appendingPathComponent("deploy.yaml"), atomically: true, encoding: .utf8)
        let output = try await CLIProcess.runAsync(["check", "--config", "deploy.yaml"], in: directory, environment: environment(for: yaml))
        #expect(output.status == 0, "\(name): \(output.stderr)")
    }

    @Test(arguments: ["deploy/compose/switchboard.yaml", "deploy/systemd/switchboard.yaml"])
    func configurationPassesCheck(_ file: String) async throws {
        try await Self.check(try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8), named: file)
    }

    @Test func theChartsConfigurationPassesCheckAndShipsInTheConfigMap() async throws {
        let chart = try HelmChart.load()
        let config = try #require(chart.values["config"] as? String)
        try await Self.check(config, named: "values.yaml config")
        let rendered = try chart.render()
        let data = try #require((rendered["configmap.yaml"]?["data"] as? [String: Any])?["switchboard.yaml"] as? String)
        #expect(data == config)
    }

    @Test func theDeploymentProbesAndPortsAreWhatTheBinaryServes() throws {
        let chart = try HelmChart.load()
        let rendered = try chart.render()
        let config = try #require(try Yams.load(yaml: chart.values["config"] as? String ?? "") as? [String: Any])
        let serverPort = try #require((config["server"] as? [String: Any])?["port"] as? Int)

        let deployment = try #require(rendered["deployment.yaml"])
        #expect(deployment["kind"] as? String == "Deployment")
        let spec = try #require(deployment["spec"] as? [String: Any])
        #expect((spec["replicas"] as? Int ?? 0) >= 2, "run at least two replicas (with PostgreSQL state)")
        #expect((config["state"] as? [String: Any])?["postgres"] != nil, "several replicas need PostgreSQL state")
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let ports = try #require(container["ports"] as? [[String: Any]])
        #expect(ports.first?["containerPort"] as? Int == serverPort, "the container port is server.port of the configuration")
        let liveness = try #require((container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])
        let readiness = try #require((container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])
        #expect(liveness["path"] as? String == "/healthz")
        #expect(readiness["path"] as? String == "/readyz")
        #expect(liveness["port"] as? String == "http" && ports.first?["name"] as? String == "http")
        #expect(container["resources"] as? [String: Any] != nil)

        // SIGKILL must not come before the drain ends.
        let grace = try #require(pod["terminationGracePeriodSeconds"] as? Int)
        let drain = try #require((config["engine"] as? [String: Any])?["drain_timeout"] as? String)
        let drainSeconds = try #require(Int(drain.dropLast()), "drain_timeout in seconds, like 25s")
        #expect(drain.hasSuffix("s") && grace > drainSeconds, "terminationGracePeriodSeconds \(grace) must exceed drain_timeout \(drain)")

        let service = try #require(rendered["service.yaml"])
        let servicePorts = try #require((service["spec"] as? [String: Any])?["ports"] as? [[String: Any]])
        #expect(servicePorts.first?["port"] as? Int == serverPort)
        #expect(rendered["servicemonitor.yaml"] == nil && rendered["prometheusrule.yaml"] == nil, "the Prometheus Operator objects are opt-in")
    }

    @Test func thePrometheusOperatorObjectsRenderWhenEnabled() throws {
        let rendered = try HelmChart.load().render(["serviceMonitor": ["enabled": true], "prometheusRule": ["enabled": true]])
        let monitor = try #require(rendered["servicemonitor.yaml"])
        let endpoint = try #require(((monitor["spec"] as? [String: Any])?["endpoints"] as? [[String: Any]])?.first)
        #expect(endpoint["path"] as? String == "/metrics")
        let rules = try #require(rendered["prometheusrule.yaml"])
        let alerts = (((rules["spec"] as? [String: Any])?["groups"] as? [[String: Any]])?.first?["rules"] as? [[String: Any]] ?? []).compactMap { $0["alert"] as? String }
        #expect(Set(["SwitchboardHighCPU", "SwitchboardSlowAcks", "SwitchboardWebhookErrors"]).isSubset(of: Set(alerts)))
    }

    @Test func theComposeFileRunsTwoReplicasOnOnePostgreSQLBehindAProxy() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("deploy/compose.yaml"), encoding: .utf8)
        let compose = try #require(try Yams.load(yaml: text) as? [String: Any])
        let services = try #require(compose["services"] as? [String: Any])
        let replicas = services.keys.filter { $0.hasPrefix("switchboard-") }
        #expect(replicas.count == 2)
        #expect(services["postgres"] != nil && services["proxy"] != nil)
        let nginx = try String(contentsOf: Self.root.appendingPathComponent("deploy/compose/nginx.conf"), encoding: .utf8)
        for replica in replicas { #expect(nginx.contains("server \(replica):8080"), "nginx sends to \(replica)") }
        let config = try String(contentsOf: Self.root.appendingPathComponent("deploy/compose/switchboard.yaml"), encoding: .utf8)
        #expect(config.contains("postgres:") && config.contains("@postgres:5432/"))
    }

    @Test func theDockerfileRunsAsNonRootWithAHealthCheck() throws {
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("FROM swift:") && dockerfile.contains("AS build"), "built with the official Swift image")
        #expect(dockerfile.contains("USER 10001"))
        #expect(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("/healthz"))
    }
}
