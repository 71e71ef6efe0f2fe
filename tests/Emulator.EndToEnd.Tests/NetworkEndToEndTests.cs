using System.Net;
using System.Text.RegularExpressions;
using DnsClient;
using static Emulator.EndToEnd.Tests.Polling;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// The emulated network through the real kubectl (1.33 and 1.27) and a real resolver: a Deployment behind a ClusterIP
/// Service answers a pod whose command runs <c>wget -qO- http://web</c> (seen in its logs), and the cluster DNS that
/// <c>emulator up</c> prints answers queries from the host over UDP and TCP.
/// </summary>
public sealed partial class NetworkEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string Web(string ns) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: echo
                image: hashicorp/http-echo:1.0
                args: ["-text=hello from web"]
                ports:
                - name: http
                  containerPort: 5678
                readinessProbe:
                  httpGet:
                    path: /health
                    port: http
                  periodSeconds: 5
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: {ns}
        spec:
          selector:
            app: web
          ports:
          - name: http
            port: 80
            targetPort: http
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task A_pod_fetches_a_service_by_name_and_its_logs_show_the_answer(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "net-" + version.Replace('.', '-');
        (await kubectl.RunWithInput(Web(ns), "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")).Succeeded();
        await Eventually("two ready endpoints", async () => (await kubectl.Run("get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=web",
            "-o", "jsonpath={.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}")).Succeeded().Stdout, o => o.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 2);
        (await kubectl.Run("run", "client", "-n", ns, "--image=busybox:1.36", "--restart=Never", "--", "sh", "-c", "wget -qO- http://web; nslookup nothing")).Succeeded();
        var logs = await Eventually("the client's logs", async () => (await kubectl.Run("logs", "client", "-n", ns)).Stdout, o => o.Contains("NXDOMAIN", StringComparison.Ordinal));
        Assert.StartsWith("hello from web\nServer:\t\t10.96.0.10\n", logs);
        Assert.Contains("** server can't find nothing: NXDOMAIN", logs);
        var phase = await Eventually("the client's phase", async () => (await kubectl.Run("get", "pod", "client", "-n", ns, "-o", "jsonpath={.status.phase}")).Stdout, o => o is "Failed" or "Succeeded");
        Assert.Equal("Failed", phase);
    }

    [Fact]
    public async Task The_cluster_dns_answers_the_host_over_udp_and_tcp()
    {
        var kubectl = cluster.NewClient("1.33");
        (await kubectl.RunWithInput(Web("net-dns"), "apply", "-f", "-")).Succeeded();
        var clusterIp = (await kubectl.Run("get", "service", "web", "-n", "net-dns", "-o", "jsonpath={.spec.clusterIP}")).Succeeded().Stdout;
        var server = DnsAddress(cluster.Emulator.Output);
        foreach (var tcp in new[] { false, true })
        {
            var client = new LookupClient(new LookupClientOptions(new NameServer(server)) { UseCache = false, UseTcpOnly = tcp, Retries = 1, ThrowDnsErrors = false, ContinueOnDnsError = false });
            var found = await Eventually("web's A record", async () => string.Join(' ', (await client.QueryAsync("web.net-dns.svc.cluster.local", QueryType.A)).Answers.ARecords().Select(r => r.Address)), o => o.Length > 0);
            Assert.Equal(clusterIp, found);
            Assert.Equal("10.96.0.10", Assert.Single((await client.QueryAsync("kube-dns.kube-system.svc.cluster.local", QueryType.A)).Answers.ARecords()).Address.ToString());
            var srv = Assert.Single((await client.QueryAsync("_http._tcp.web.net-dns.svc.cluster.local", QueryType.SRV)).Answers.SrvRecords());
            Assert.Equal(80, srv.Port);
            Assert.Equal(DnsHeaderResponseCode.NotExistentDomain, (await client.QueryAsync("nothing.net-dns.svc.cluster.local", QueryType.A)).Header.ResponseCode);
        }
    }

    [Fact]
    public async Task A_node_port_answers_an_http_client_on_the_host()
    {
        var kubectl = cluster.NewClient("1.33");
        (await kubectl.RunWithInput(Web("net-nodeport"), "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("patch", "service", "web", "-n", "net-nodeport", "-p", "{\"spec\":{\"type\":\"NodePort\"}}")).Succeeded();
        var nodePort = (await kubectl.Run("get", "service", "web", "-n", "net-nodeport", "-o", "jsonpath={.spec.ports[0].nodePort}")).Succeeded().Stdout;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var body = await Eventually("the node port's answer", async () =>
        {
            try
            {
                return await http.GetStringAsync($"http://127.0.0.1:{nodePort}/");
            }
            catch (HttpRequestException)
            {
                return "";
            }
        }, o => o.Length > 0);
        Assert.Equal("hello from web\n", body);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task A_load_balancer_service_gets_an_external_ip_that_routes_to_its_pods(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "net-lb-" + version.Replace('.', '-');
        (await kubectl.RunWithInput(Web(ns), "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("patch", "service", "web", "-n", ns, "-p", "{\"spec\":{\"type\":\"LoadBalancer\"}}")).Succeeded();
        var ip = await Eventually("web's ingress address", async () => (await kubectl.Run("get", "service", "web", "-n", ns,
            "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")).Succeeded().Stdout, o => o.Length > 0);
        Assert.Matches(@"^172\.18\.255\.(2[0-4][0-9]|250)$", ip);
        Assert.Equal("VIP", (await kubectl.Run("get", "service", "web", "-n", ns, "-o", "jsonpath={.status.loadBalancer.ingress[0].ipMode}")).Succeeded().Stdout);
        var table = (await kubectl.Run("get", "service", "web", "-n", ns)).Succeeded().Stdout;
        Assert.Matches($@"web\s+LoadBalancer\s+10\.\S+\s+{Regex.Escape(ip)}\s+80:3\d{{4}}/TCP", table);
        var described = (await kubectl.Run("describe", "service", "web", "-n", ns)).Succeeded().Stdout;
        Assert.Matches($@"LoadBalancer Ingress:\s+{Regex.Escape(ip)}", described);
        Assert.Matches($@"Normal\s+IPAllocated\s+\S+\s+metallb-controller\s+Assigned IP \[""{Regex.Escape(ip)}""\]", described);

        // The cluster IP has its IPAddress object, as 1.33's allocator writes it.
        var clusterIp = (await kubectl.Run("get", "service", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}")).Succeeded().Stdout;
        var parent = await Eventually("the cluster IP's IPAddress", async () => (await kubectl.Run("get", "ipaddress", clusterIp,
            "-o", "jsonpath={.spec.parentRef.namespace}/{.spec.parentRef.name}")).Stdout, o => o.Length > 0);
        Assert.Equal($"{ns}/web", parent);

        // A pod reaches the Service at its ingress address, through the service proxy.
        (await kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")).Succeeded();
        (await kubectl.Run("run", "client", "-n", ns, "--image=busybox:1.36", "--restart=Never", "--", "sleep", "3600")).Succeeded();
        (await kubectl.Run("wait", "--for=condition=Ready", "pod/client", "-n", ns, "--timeout=60s")).Succeeded();
        var fetched = await Eventually("the ingress address's answer", async () => (await kubectl.Run("exec", "client", "-n", ns, "--", "wget", "-qO-", $"http://{ip}/")).Stdout,
            o => o.Length > 0);
        Assert.Equal("hello from web\n", fetched);

        // A second Service asking for the same address gets MetalLB's refusal as an event.
        (await kubectl.RunWithInput($"""
            apiVersion: v1
            kind: Service
            metadata:
              name: clash
              namespace: {ns}
            spec:
              type: LoadBalancer
              loadBalancerIP: {ip}
              selector:
                app: web
              ports:
              - port: 8080
                targetPort: http
            """, "apply", "-f", "-")).Succeeded();
        var refused = await Eventually("clash's events", async () => (await kubectl.Run("describe", "service", "clash", "-n", ns)).Succeeded().Stdout,
            o => o.Contains("AllocationFailed", StringComparison.Ordinal));
        Assert.Contains($"Failed to allocate IP for \"{ns}/clash\": can't change sharing key for \"{ns}/clash\", address also in use by {ns}/web", refused);
        Assert.Matches(@"clash\s+LoadBalancer\s+\S+\s+<pending>", (await kubectl.Run("get", "service", "clash", "-n", ns)).Succeeded().Stdout);
    }

    [Fact]
    public async Task Configured_ranges_give_cluster_ips_and_a_loopback_load_balancer_address_that_answers_the_host()
    {
        // A service range of its own, and a pool of loopback addresses (the host has all of 127.0.0.0/8) in a block of
        // its own so that parallel runs do not meet.
        var block = Random.Shared.Next(1, 250);
        var file = Path.Combine(cluster.Root, $"lb-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(file, $"emulator.load-balancer.addresses = [\"127.77.{block}.200-127.77.{block}.210\"]\n"
            + "emulator.services.cluster-ip-range = \"10.100.0.0/16\"\n");
        await using var emulator = await EmulatorProcess.StartAsync(Path.Combine(cluster.Root, "lb-" + Guid.NewGuid().ToString("N")),
            "--nodes", "2", "--time-scale", "20", "--image-pull-delay", "0", "--config", file);
        var kubectl = new Kubectl(Kubectl.BinaryFor("1.33"), emulator.Kubeconfig, Directory.CreateDirectory(Path.Combine(cluster.Root, "lb-home-" + Guid.NewGuid().ToString("N"))).FullName);
        var ns = "net-lb-host";
        (await kubectl.RunWithInput(Web(ns), "apply", "-f", "-")).Succeeded();
        (await kubectl.RunWithInput($"""
            apiVersion: v1
            kind: Service
            metadata:
              name: public
              namespace: {ns}
            spec:
              type: LoadBalancer
              selector:
                app: web
              ports:
              - port: 8080
                targetPort: http
            """, "apply", "-f", "-")).Succeeded();
        var ip = await Eventually("public's ingress address", async () => (await kubectl.Run("get", "service", "public", "-n", ns,
            "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")).Succeeded().Stdout, o => o.Length > 0);
        Assert.Equal($"127.77.{block}.200", ip);
        (await kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")).Succeeded();

        // The service range: the kubernetes and kube-dns Services at its first and tenth addresses, the default
        // ServiceCIDR holding it, and pods resolving through the DNS Service there.
        Assert.Equal("10.100.0.1", (await kubectl.Run("get", "service", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}")).Succeeded().Stdout);
        Assert.Equal("10.100.0.10", (await kubectl.Run("get", "service", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP}")).Succeeded().Stdout);
        Assert.Equal("10.100.0.0/16", (await kubectl.Run("get", "servicecidr", "kubernetes", "-o", "jsonpath={.spec.cidrs[0]}")).Succeeded().Stdout);
        var publicIp = (await kubectl.Run("get", "service", "public", "-n", ns, "-o", "jsonpath={.spec.clusterIP}")).Succeeded().Stdout;
        Assert.StartsWith("10.100.", publicIp, StringComparison.Ordinal);
        Assert.Contains("nameserver 10.100.0.10", (await kubectl.Run("exec", "deploy/web", "-n", ns, "--", "cat", "/etc/resolv.conf")).Succeeded().Stdout);
        Assert.Contains(publicIp, (await kubectl.Run("exec", "deploy/web", "-n", ns, "--", "nslookup", "public")).Succeeded().Stdout);

        // EXTERNAL-IP:PORT answers from the host, as with a cloud load balancer.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        async Task<string> Fetch()
        {
            try
            {
                return await http.GetStringAsync($"http://{ip}:8080/");
            }
            catch (HttpRequestException e)
            {
                return "failed: " + e.Message;
            }
        }
        Assert.Equal("hello from web\n", await Eventually("the load-balancer address's answer", Fetch, o => !o.StartsWith("failed", StringComparison.Ordinal)));

        // Back to ClusterIP: the address is released and nothing listens there any more.
        (await kubectl.Run("patch", "service", "public", "-n", ns, "-p", "{\"spec\":{\"type\":\"ClusterIP\"}}")).Succeeded();
        Assert.StartsWith("failed", await Eventually("the listener closed", Fetch, o => o.StartsWith("failed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_pods_later_wget_sees_a_service_created_after_the_pod_started()
    {
        var kubectl = cluster.NewClient("1.33");
        var ns = "net-late";
        (await kubectl.RunWithInput(Web(ns), "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")).Succeeded();
        (await kubectl.Run("run", "client", "-n", ns, "--image=busybox:1.36", "--restart=Never", "--", "sh", "-c",
            "wget -qO- http://late; echo rc=$?; sleep 120; wget -qO- http://late; echo rc=$?")).Succeeded();
        await Eventually("the first wget", async () => (await kubectl.Run("logs", "client", "-n", ns)).Stdout, o => o.Contains("rc=1", StringComparison.Ordinal));

        // The Service appears while the client sleeps: its second wget, run at its moment, reaches it.
        (await kubectl.Run("expose", "deployment", "web", "-n", ns, "--name=late", "--port=80", "--target-port=http")).Succeeded();
        var logs = await Eventually("the second wget", async () => (await kubectl.Run("logs", "client", "-n", ns)).Stdout, o => o.Contains("rc=0", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.Equal("wget: bad address 'late'\nrc=1\nhello from web\nrc=0\n", logs);
    }

    private static IPEndPoint DnsAddress(string output)
    {
        var match = DnsLine().Match(output);
        Assert.True(match.Success, $"no cluster DNS address in:\n{output}");
        return IPEndPoint.Parse(match.Groups[1].Value);
    }

    [GeneratedRegex(@"cluster DNS:\s+(\S+)")]
    private static partial Regex DnsLine();
}
