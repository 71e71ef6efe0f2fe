using System.Text.Json.Nodes;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// <c>emulator pbm</c> against a running <c>emulator up</c>: the built CLI as a user runs it, its output and exit
/// statuses; the objects and their history come from the cluster kubectl drives.
/// </summary>
public sealed class ConsoleEndToEndTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private async Task<KubectlResult> Pbm(params string[] words) =>
        await EmulatorProcess.RunCliAsync(["pbm", await cluster.Emulator.ConsoleAddress, .. words]);

    [Fact]
    public async Task Pbm_lists_nodes_and_objects_and_shows_an_objects_history_from_the_journal()
    {
        var nodes = await Pbm("node", "list");
        Assert.Equal(0, nodes.ExitCode);
        Assert.Matches(@"(?m)^node-1\s+running$", nodes.Stdout);

        Assert.Equal(0, (await cluster.Kubectl.Run("create", "configmap", "console-history", "--from-literal=k=one")).ExitCode);
        Assert.Equal(0, (await cluster.Kubectl.Run("patch", "configmap", "console-history", "-p", """{"data":{"k":"two"}}""")).ExitCode);
        Assert.Equal(0, (await cluster.Kubectl.Run("delete", "configmap", "console-history")).ExitCode);

        var objects = await Pbm("k8s", "objects", "namespaces");
        Assert.Equal(0, objects.ExitCode);
        Assert.Matches(@"(?m)^\s*kube-system\s+\d+", objects.Stdout);

        var history = await Pbm("k8s", "history", "cm/console-history");
        Assert.Equal(0, history.ExitCode);
        var lines = history.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^RESOURCEVERSION\s+TIME\s+CHANGE\s+FIELDS$", lines[0]);
        Assert.Matches(@"^\d+\s+\S+Z\s+created$", lines[1]);
        Assert.Matches(@"^\d+\s+\S+Z\s+updated\s+data\.k$", lines[2]);
        Assert.Matches(@"^\s+\S+Z\s+removed$", lines[3]);

        var json = await Pbm("k8s", "history", "cm/console-history", "--output", "json");
        var versions = JsonNode.Parse(json.Stdout)!.AsArray();
        Assert.Equal("two", versions[1]!["object"]!["data"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pbm_pauses_and_resumes_emulated_time_and_reports_bad_commands_with_status_2()
    {
        var paused = await Pbm("time", "pause");
        Assert.Equal(0, paused.ExitCode);
        Assert.Matches(@"paused\s*$", paused.Stdout);
        var resumed = await Pbm("time", "resume");
        Assert.Matches(@"running\s*$", resumed.Stdout);

        var bad = await Pbm("time", "warp");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown command \"time warp\"", bad.Stderr, StringComparison.Ordinal);

        var tree = await Pbm("actor", "hierarchy", "/user", "--depth", "1");
        Assert.Equal(0, tree.ExitCode);
        // The API store is a cluster singleton: its manager sits under /user, the backoff supervisor below it.
        Assert.Matches(@"(?m)^  api-store\s+ClusterSingletonManager\s+\d+$", tree.Stdout);
    }

    [Fact]
    public async Task Emulator_node_is_pbm_node_and_remote_connections_of_a_single_process_lists_no_other_member()
    {
        var console = await cluster.Emulator.ConsoleAddress;
        var alias = await EmulatorProcess.RunCliAsync("node", console, "list", "--output", "json");
        Assert.Equal(0, alias.ExitCode);
        Assert.Contains(JsonNode.Parse(alias.Stdout)!.AsArray(), n => n!["name"]!.GetValue<string>() == "node-1" && n["state"]!.GetValue<string>() == "running");
        var missing = await EmulatorProcess.RunCliAsync("node", console, "stop", "node-99");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("node node-99 is not hosted here", missing.Stderr, StringComparison.Ordinal);

        var connections = await Pbm("remote", "connections");
        Assert.Equal(0, connections.ExitCode);
        Assert.Matches(@"^ADDRESS\s+MEMBER\s+REACHABLE\s+ASSOCIATION\s+SINCE\s+LINK\n$", connections.Stdout);
        var nobody = await Pbm("remote", "blackhole", "127.0.0.1:1");
        Assert.Equal(1, nobody.ExitCode);
        Assert.Contains("no member or association at 127.0.0.1:1 (known: none)", nobody.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pbm_without_a_console_to_reach_says_so_and_exits_1()
    {
        // A port nothing listens on: one the system picked and released.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var result = await EmulatorProcess.RunCliAsync("pbm", $"127.0.0.1:{port}", "node", "list");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot reach the console at", result.Stderr, StringComparison.Ordinal);
    }
}
