using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Emulator.Processes;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// exec, attach, port-forward and node stop/start with the real kubectl through a control-plane member that hosts no
/// node, reaching kubelets in the workers' processes (the same four-member start as the other multi-process tests);
/// and a worker that dies under an open exec ends kubectl's stream with an error instead of a hang.
/// </summary>
public sealed partial class MultiProcessTests
{
    [PostgresFact]
    public async Task Exec_attach_port_forward_and_node_management_reach_kubelets_in_other_processes()
    {
        var (_, cp2, w1, _, _) = await StartFourMembers();
        using var api = new HttpClient { BaseAddress = cp2.Api!, Timeout = TimeSpan.FromSeconds(10) };
        await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "4 Ready nodes");
        var kubeconfig = Path.Combine(_root, "cp2.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: cp2
              cluster:
                server: {cp2.Api!.GetLeftPart(UriPartial.Authority)}
            users:
            - name: cp2
              user: {"{}"}
            contexts:
            - name: cp2
              context: {"{"}cluster: cp2, user: cp2, namespace: default{"}"}
            current-context: cp2
            """);
        // kubectl 1.33 speaks WebSocket (and port-forward tunnelled in one), 1.27 SPDY.
        var clients = new[] { "1.33", "1.27" }.Select(v => new Kubectl(Kubectl.BinaryFor(v), kubeconfig, Directory.CreateDirectory(Path.Combine(_root, "home-" + v)).FullName)).ToArray();
        var kubectl = clients[0];
        (await kubectl.RunWithInput("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels: {app: web}
            spec:
              nodeName: w1-node-1
              containers:
              - name: nginx
                image: nginx:1.27
                ports:
                - containerPort: 80
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: console
            spec:
              nodeName: w2-node-1
              restartPolicy: Never
              containers:
              - name: sh
                image: busybox
                command: ["sh"]
                stdin: true
                stdinOnce: true
            """, "apply", "-f", "-")).Succeeded();
        await Eventually(async () => await PodReady(api, "web") && await PodReady(api, "console"), TimeSpan.FromSeconds(60),
            "pods web and console Ready", async () => (await kubectl.Run("get", "pods", "-o", "yaml")).Stdout + (await kubectl.Run("get", "events")).Stdout);

        // exec: output and exit code, stdin with -i, and a megabyte through cat (many chunks, more than the window in flight).
        var big = string.Concat(Enumerable.Range(0, 16_384).Select(i => $"line {i:00000} {new string((char)('a' + (i % 26)), 50)}\n"));
        foreach (var client in clients)
        {
            var failed = await client.Run("exec", "web", "--", "sh", "-c", "echo $HOSTNAME; exit 3");
            Assert.Equal(3, failed.ExitCode);
            Assert.Equal("web\n", failed.Stdout);
            Assert.Contains("command terminated with exit code 3", failed.Stderr);
            var piped = await client.RunWithInput("hostname\necho status $?\nexit 4\n", "exec", "-i", "web", "--", "sh");
            Assert.Equal(4, piped.ExitCode);
            Assert.Equal("web\nstatus 0\n", piped.Stdout);
            var copied = (await client.RunWithInput(big, "exec", "-i", "web", "--", "cat")).Succeeded();
            Assert.True(copied.Stdout == big, $"cat returned {copied.Stdout.Length} of {big.Length} characters");
        }

        // port-forward: an HTTP request to the emulated nginx on w1, through cp2.
        foreach (var client in clients)
        {
            using var forward = client.Start("port-forward", "pod/web", ":80");
            try
            {
                var port = await ForwardedPort(forward);
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
                Assert.Contains("<title>Welcome to nginx!</title>", await http.GetStringAsync($"http://127.0.0.1:{port}/"));
                Assert.Equal(404, (int)(await http.GetAsync($"http://127.0.0.1:{port}/missing")).StatusCode);
            }
            finally
            {
                forward.Kill(entireProcessTree: true);
            }
        }

        // A worker process resolves Service names and routes them through its node's proxy (it builds its own view of the
        // Services and EndpointSlices): a pod on w1's other node reaches the Service in front of web.
        (await kubectl.RunWithInput("""
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector: {app: web}
              ports:
              - port: 80
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: client
            spec:
              nodeName: w1-node-2
              containers:
              - name: sh
                image: busybox
                command: ["sleep", "3600"]
            """, "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("wait", "--for=condition=Ready", "pod/client", "--timeout=60s")).Succeeded();
        await Eventually(async () => (await kubectl.Run("exec", "client", "--", "wget", "-qO-", "http://web")).Stdout.Contains("<title>Welcome to nginx!</title>", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the Service reached from a worker's pod");

        // Across processes: a pod on w2 reaches the Service (and the pod's own address) whose only endpoint runs in w1's
        // process, and the host reaches it through a node port, whichever worker's listener took the port.
        (await kubectl.RunWithInput("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: far-client
            spec:
              nodeName: w2-node-1
              containers:
              - name: sh
                image: busybox
                command: ["sleep", "3600"]
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web-nodeport
            spec:
              type: NodePort
              selector: {app: web}
              ports:
              - port: 80
            """, "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("wait", "--for=condition=Ready", "pod/far-client", "--timeout=60s")).Succeeded();
        await Eventually(async () => (await kubectl.Run("exec", "far-client", "--", "wget", "-qO-", "http://web.default.svc.cluster.local")).Stdout.Contains("<title>Welcome to nginx!</title>", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the Service reached from a pod in another process than its endpoint");
        var webIp = (await kubectl.Run("get", "pod", "web", "-o", "jsonpath={.status.podIP}")).Succeeded().Stdout;
        Assert.Contains("<title>Welcome to nginx!</title>", (await kubectl.Run("exec", "far-client", "--", "wget", "-qO-", $"http://{webIp}/")).Succeeded().Stdout);
        var nodePort = (await kubectl.Run("get", "svc", "web-nodeport", "-o", "jsonpath={.spec.ports[0].nodePort}")).Succeeded().Stdout;
        using (var host = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            await Eventually(async () =>
            {
                try
                {
                    return (await host.GetStringAsync($"http://127.0.0.1:{nodePort}/")).Contains("<title>Welcome to nginx!</title>", StringComparison.Ordinal);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), "the node port answered from the host");
        }

        // attach: the main process of a container on w2 (its output reaches the client and the log; exit ends it).
        var attach = await kubectl.RunWithInput("echo attached\nexit 2\n", "attach", "-i", "console");
        Assert.Contains("attached", attach.Stdout);
        (await kubectl.Run("wait", "--for=jsonpath={.status.phase}=Failed", "pod/console", "--timeout=60s")).Succeeded();
        Assert.Equal("attached\n", (await kubectl.Run("logs", "console")).Succeeded().Stdout);

        // /emulator/v1/nodes on a member without nodes lists every worker's nodes and stops and starts one of w2's.
        var listed = JsonNode.Parse(await api.GetStringAsync("/emulator/v1/nodes"))!["nodes"]!.AsArray();
        Assert.Equal(["w1-node-1", "w1-node-2", "w2-node-1", "w2-node-2"], listed.Select(n => n!["name"]!.GetValue<string>()).Order());
        using (var stop = await api.PostAsync("/emulator/v1/nodes/w2-node-2/stop", null))
        {
            Assert.Equal("node w2-node-2 stopped", (await stop.Content.ReadFromJsonAsync<JsonObject>())!["message"]!.GetValue<string>());
        }
        await Eventually(async () => !(await ReadyNodes(api)).Contains("w2-node-2"), TimeSpan.FromSeconds(60), "w2-node-2 NotReady");
        Assert.False(JsonNode.Parse(await api.GetStringAsync("/emulator/v1/nodes"))!["nodes"]!.AsArray().Single(n => n!["name"]!.GetValue<string>() == "w2-node-2")!["running"]!.GetValue<bool>());
        using (var start = await api.PostAsync("/emulator/v1/nodes/w2-node-2/start", null))
        {
            Assert.Equal("node w2-node-2 started", (await start.Content.ReadFromJsonAsync<JsonObject>())!["message"]!.GetValue<string>());
        }
        await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "w2-node-2 Ready again");
        using (var unknown = await api.PostAsync("/emulator/v1/nodes/w9-node-1/stop", null))
        {
            Assert.Equal(404, (int)unknown.StatusCode);
        }

        // The worker dies under an open interactive exec: kubectl's stream ends with an error once the member is downed.
        foreach (var client in clients)
        {
            await OpenShellThenLoseItsWorker(client, client == clients[^1] ? w1 : null);
        }
    }

    /// <summary>An exec with a live shell on w1; when <paramref name="worker"/> is given, it is killed and kubectl must end with an error.</summary>
    private static async Task OpenShellThenLoseItsWorker(Kubectl client, EmulatorMember? worker)
    {
        using var shell = client.StartWithInput("exec", "-i", "web", "--", "sh");
        try
        {
            await shell.StandardInput.WriteAsync("echo alive\n");
            await shell.StandardInput.FlushAsync();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                Assert.Equal("alive", await shell.StandardOutput.ReadLineAsync(timeout.Token));
            }
            if (worker is null)
            {
                await shell.StandardInput.WriteAsync("exit 6\n");
                shell.StandardInput.Close();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await shell.WaitForExitAsync(timeout.Token);
                Assert.Equal(6, shell.ExitCode);
                return;
            }
            var killed = Stopwatch.StartNew();
            worker.Kill();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await shell.WaitForExitAsync(timeout.Token);
            }
            var stderr = await shell.StandardError.ReadToEndAsync();
            Assert.NotEqual(0, shell.ExitCode);
            Assert.Contains("lost the connection to the kubelet of node w1-node-1", stderr);
            Console.WriteLine($"exec through cp2: kubectl ended {killed.Elapsed.TotalSeconds:0.0} s after its worker's SIGKILL: {stderr.Trim()}");
        }
        finally
        {
            if (!shell.HasExited)
            {
                shell.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The local port kubectl port-forward picked.</summary>
    private static async Task<int> ForwardedPort(Process forward)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await forward.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (Regex.Match(line, @"^Forwarding from 127\.0\.0\.1:(\d+) -> ") is { Success: true } match)
            {
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"kubectl port-forward ended: {await forward.StandardError.ReadToEndAsync()}");
    }
}
