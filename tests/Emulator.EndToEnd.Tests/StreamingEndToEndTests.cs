using System.Text.RegularExpressions;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// exec, attach, <c>run --rm -i</c>, <c>debug -i</c> and port-forward with the real kubectl: 1.33 over WebSocket (its
/// default), 1.33 forced onto SPDY (<c>KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false</c>,
/// <c>KUBECTL_PORT_FORWARD_WEBSOCKETS=false</c>) and 1.27 (SPDY only). Each client works in its own namespace.
/// </summary>
public sealed partial class StreamingEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private Kubectl Client(string client) => client switch
    {
        "1.33-spdy" => cluster.NewClient("1.33").WithVariable("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "false").WithVariable("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false"),
        _ => cluster.NewClient(client),
    };

    private static string Namespace(string prefix, string client) => $"{prefix}-{client.Replace(".", "", StringComparison.Ordinal)}";

    private static string Web(string ns) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          namespace: {ns}
        spec:
          containers:
          - name: nginx
            image: nginx:1.27
            ports:
            - containerPort: 80
        """;

    private static async Task StartWeb(Kubectl kubectl, string ns)
    {
        (await kubectl.RunWithInput(Web(ns), "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("wait", "--for=condition=Ready", "pod/web", "-n", ns, "--timeout=60s")).Succeeded();
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.33-spdy")]
    [InlineData("1.27")]
    public async Task Exec_carries_exit_codes_stdin_and_the_api_servers_refusals(string client)
    {
        var kubectl = Client(client);
        var ns = Namespace("exec", client);
        await StartWeb(kubectl, ns);

        var failed = await kubectl.Run("exec", "web", "-n", ns, "--", "sh", "-c", "echo out; exit 3");
        Assert.Equal(3, failed.ExitCode);
        Assert.Equal("out\n", failed.Stdout);
        Assert.Contains("command terminated with exit code 3", failed.Stderr);

        var piped = await kubectl.RunWithInput("hostname\nnosuch\necho status $?\nexit 4\n", "exec", "-i", "web", "-n", ns, "--", "sh");
        Assert.Equal(4, piped.ExitCode);
        Assert.Equal("web\nstatus 127\n", piped.Stdout);
        Assert.Contains("sh: nosuch: not found", piped.Stderr);

        var copied = (await kubectl.RunWithInput("line one\nline two\n", "exec", "-i", "web", "-n", ns, "--", "cat")).Succeeded();
        Assert.Equal("line one\nline two\n", copied.Stdout);

        var invalid = await kubectl.Run("exec", "web", "-n", ns, "-c", "nope", "--", "ls");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("container nope is not valid for pod web", invalid.Stderr);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Run_rm_i_with_piped_input_exits_with_the_shells_code_and_deletes_the_pod(string client)
    {
        var kubectl = Client(client);
        var ns = Namespace("run", client);
        (await kubectl.Run("create", "namespace", ns)).Succeeded();

        var run = await kubectl.RunWithInput("echo piped\nexit 3\n", "run", "tmp", "-n", ns, "--rm", "-i", "--restart=Never", "--image=busybox", "--", "sh");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("piped", run.Stdout);
        Assert.Contains("pod \"tmp\" deleted", run.Stdout);
        var gone = await kubectl.Run("get", "pod", "tmp", "-n", ns);
        Assert.Contains("NotFound", gone.Stderr);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Debug_i_and_attach_reach_interactive_shells(string client)
    {
        var kubectl = Client(client);
        var ns = Namespace("debug", client);
        await StartWeb(kubectl, ns);

        var debug = (await kubectl.RunWithInput("echo debugging\nexit 5\n", "debug", "web", "-n", ns, "-i", "--image=busybox", "--container=debugger")).Succeeded();
        Assert.Contains("debugging", debug.Stdout);
        var status = (await kubectl.Run("get", "pod", "web", "-n", ns, "-o", "jsonpath={.status.ephemeralContainerStatuses[0].state.terminated.exitCode} {.status.phase}")).Succeeded();
        Assert.Equal("5 Running", status.Stdout);
        // An ephemeral container whose command ends before kubectl attaches: kubectl falls back to its log.
        var quick = (await kubectl.Run("debug", "web", "-n", ns, "-i", "--image=busybox", "--container=quick", "--", "sh", "-c", "echo quick")).Succeeded();
        Assert.Contains("quick", quick.Stdout);
        Assert.Equal("debugging\n", (await kubectl.Run("logs", "web", "-n", ns, "-c", "debugger")).Succeeded().Stdout);

        var attachable = $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: console
              namespace: {ns}
            spec:
              restartPolicy: Never
              containers:
              - name: sh
                image: busybox
                command: ["sh"]
                stdin: true
                stdinOnce: true
            """;
        (await kubectl.RunWithInput(attachable, "apply", "-f", "-")).Succeeded();
        (await kubectl.Run("wait", "--for=condition=Ready", "pod/console", "-n", ns, "--timeout=60s")).Succeeded();
        var attach = await kubectl.RunWithInput("echo attached\nexit 2\n", "attach", "-i", "console", "-n", ns);
        Assert.Contains("attached", attach.Stdout);
        (await kubectl.Run("wait", "--for=jsonpath={.status.phase}=Failed", "pod/console", "-n", ns, "--timeout=60s")).Succeeded();
        Assert.Equal("attached\n", (await kubectl.Run("logs", "console", "-n", ns)).Succeeded().Stdout);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.33-spdy")]
    [InlineData("1.27")]
    public async Task Port_forward_reaches_the_pods_server_and_reports_a_refused_port(string client)
    {
        var kubectl = Client(client);
        var ns = Namespace("forward", client);
        await StartWeb(kubectl, ns);

        using (var forward = kubectl.Start("port-forward", "pod/web", ":80", "-n", ns))
        {
            try
            {
                var port = await LocalPort(forward);
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
                var page = await http.GetStringAsync($"http://127.0.0.1:{port}/");
                Assert.Contains("<title>Welcome to nginx!</title>", page);
                var missing = await http.GetAsync($"http://127.0.0.1:{port}/missing");
                Assert.Equal(404, (int)missing.StatusCode);
            }
            finally
            {
                forward.Kill(entireProcessTree: true);
            }
        }

        using var refused = kubectl.Start("port-forward", "pod/web", ":81", "-n", ns);
        try
        {
            var port = await LocalPort(refused);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetStringAsync($"http://127.0.0.1:{port}/"));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await refused.WaitForExitAsync(timeout.Token);
            var stderr = await refused.StandardError.ReadToEndAsync();
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"an error occurred forwarding {port} -> 81: error forwarding port 81 to pod ", stderr);
            Assert.Contains("connect: connection refused", stderr);
            Assert.Contains("error: lost connection to pod", stderr);
        }
        finally
        {
            if (!refused.HasExited)
            {
                refused.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The local port kubectl picked (<c>Forwarding from 127.0.0.1:PORT -> 80</c>).</summary>
    private static async Task<int> LocalPort(System.Diagnostics.Process forward)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await forward.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (ForwardingLine().Match(line) is { Success: true } match)
            {
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"kubectl port-forward ended: {await forward.StandardError.ReadToEndAsync()}");
    }

    [GeneratedRegex(@"^Forwarding from 127\.0\.0\.1:(\d+) -> ")]
    private static partial Regex ForwardingLine();
}
