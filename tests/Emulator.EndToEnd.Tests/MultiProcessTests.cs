using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Processes;
using Npgsql;

namespace Emulator.EndToEnd.Tests;

/// <summary>
/// One emulated cluster over four real processes on loopback (two control-plane members, two workers) sharing a
/// PostgreSQL journal: it forms, a Deployment spreads over both workers' nodes, and killing the member that holds the
/// store (SIGKILL) moves the store to the other control-plane member without losing an acknowledged write; killing a
/// worker makes its nodes NotReady and its pods move to the other worker; so does cutting a worker off with a network
/// partition (the console's <c>remote blackhole</c> on every other member), without anything written twice. Needs
/// EMULATOR_TEST_POSTGRES (.ci/run sets it); skipped without it outside CI.
/// </summary>
public sealed partial class MultiProcessTests : IAsyncLifetime
{
    private const string Variable = "EMULATOR_TEST_POSTGRES";
    private readonly List<EmulatorMember> _members = [];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "emulator-mp-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _database = "emulator_mp_" + Guid.NewGuid().ToString("N")[..12];
    private string? _admin;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var member in _members)
        {
            member.Kill();
        }
        if (_admin is not null)
        {
            await using var connection = new NpgsqlConnection(_admin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    public sealed class PostgresFactAttribute : FactAttribute
    {
        public PostgresFactAttribute()
        {
            if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Skip = $"the multi-process tests need PostgreSQL: set {Variable} to a connection string (.ci/run starts a throwaway server)";
            }
        }
    }

    [PostgresFact]
    public async Task Four_processes_form_one_cluster_that_survives_losing_the_store_holder_and_a_worker()
    {
        var (first, survivor, worker1, _, postgres) = await StartFourMembers();
        var seed = first.ClusterAddress;
        using var api = new HttpClient { BaseAddress = survivor.Api!, Timeout = TimeSpan.FromSeconds(5) };

        // Formed: the four nodes of both workers are Ready, seen through the member that does not hold the store.
        await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "4 Ready nodes");

        // A member with another time scale is refused with a clear message.
        var odd = EmulatorMember.Launch("odd", ["worker", "--join", seed, "--nodes", "1", "--name", "odd", "--postgres", postgres, "--time-scale", "1", "--state", Path.Combine(_root, "odd")]);
        _members.Add(odd);
        Assert.Equal(1, await odd.ExitCode.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("the cluster runs emulated time at --time-scale 20 and this member at 1: every member must run the same --time-scale", odd.Output);

        // A Deployment spreads over both workers' nodes.
        var deployment = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"replicas":4,"selector":{"matchLabels":{"app":"web"}},
                     "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}
            """)!;
        (await api.PostAsJsonAsync("/apis/apps/v1/namespaces/default/deployments", deployment)).EnsureSuccessStatusCode();
        await Eventually(async () => (await RunningPodNodes(api)) is var nodes && nodes.Count == 4 && nodes.Any(n => n.StartsWith("w1-", StringComparison.Ordinal)) && nodes.Any(n => n.StartsWith("w2-", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(120), "4 Running pods over both workers");

        // One pod CIDR per node across workers (the node IPAM controller): pod IPs are distinct and inside their node's range.
        var podCidrs = JsonNode.Parse(await api.GetStringAsync("/api/v1/nodes"))!["items"]!.AsArray()
            .ToDictionary(n => n!["metadata"]!["name"]!.GetValue<string>(), n => n!["spec"]!["podCIDR"]!.GetValue<string>());
        Assert.Equal(4, podCidrs.Values.Distinct().Count());
        var pods = JsonNode.Parse(await api.GetStringAsync("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb"))!["items"]!.AsArray()
            .Where(p => p!["status"]?["phase"]?.GetValue<string>() == "Running").ToList();
        var podIps = pods.Select(p => p!["status"]!["podIP"]!.GetValue<string>()).ToList();
        Assert.Equal(podIps.Count, podIps.Distinct().Count());
        foreach (var pod in pods)
        {
            var cidr = podCidrs[pod!["spec"]!["nodeName"]!.GetValue<string>()];
            Assert.True(System.Net.IPNetwork.Parse(cidr).Contains(System.Net.IPAddress.Parse(pod["status"]!["podIP"]!.GetValue<string>())), $"{pod["status"]!["podIP"]} outside {cidr}");
        }

        // kubectl logs and kubectl top through a control-plane member that hosts no node: its API server reaches the
        // kubelets in the workers' processes.
        foreach (var pod in pods)
        {
            var name = pod!["metadata"]!["name"]!.GetValue<string>();
            using var log = await api.GetAsync($"/api/v1/namespaces/default/pods/{name}/log");
            Assert.True(log.IsSuccessStatusCode, $"logs of {name} on {pod["spec"]!["nodeName"]}: {(int)log.StatusCode} {await log.Content.ReadAsStringAsync()}");
        }
        await Eventually(async () => JsonNode.Parse(await api.GetStringAsync("/apis/metrics.k8s.io/v1beta1/nodes"))!["items"]!.AsArray().Count == 4,
            TimeSpan.FromSeconds(30), "metrics of the 4 nodes of both workers");

        // Acknowledged writes, then the store holder (the oldest control-plane member) dies.
        var acknowledged = new List<(string Name, long ResourceVersion)>();
        for (var i = 0; i < 5; i++)
        {
            acknowledged.Add(await CreateConfigMap(api, $"before-{i}"));
        }
        first.Kill();
        var killed = Stopwatch.StartNew();
        (string Name, long ResourceVersion)? afterFailOver = null;
        await Eventually(async () =>
        {
            try
            {
                afterFailOver = await CreateConfigMap(api, "after-fail-over");
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "a write through the surviving member after the store holder died");
        var failOver = killed.Elapsed;
        var stored = await ConfigMaps(api);
        foreach (var (name, _) in acknowledged)
        {
            Assert.Contains(name, stored.Keys);
        }
        // No resourceVersion goes backwards: the store recovered its journal before it took the new write.
        Assert.True(afterFailOver!.Value.ResourceVersion > acknowledged.Max(a => a.ResourceVersion), $"resourceVersion {afterFailOver.Value.ResourceVersion} after {acknowledged.Max(a => a.ResourceVersion)}");
        Assert.True(failOver < TimeSpan.FromSeconds(45), $"fail-over took {failOver.TotalSeconds:0.0} s");
        Console.WriteLine($"store fail-over: first write acknowledged {failOver.TotalSeconds:0.0} s after SIGKILL");

        // A pod on w1 that tolerates its node's failure for ever: the worker's death does not evict it.
        var keeper = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"keeper"},
             "spec":{"nodeName":"w1-node-1","tolerations":[{"operator":"Exists","effect":"NoExecute"}],
                     "containers":[{"name":"main","image":"busybox","command":["sleep","3600"]}]}}
            """)!;
        (await api.PostAsJsonAsync("/api/v1/namespaces/default/pods", keeper)).EnsureSuccessStatusCode();
        await Eventually(async () => (await Keeper(api)).Phase == "Running", TimeSpan.FromSeconds(60), "keeper Running on w1-node-1");
        var keeperUid = (await Keeper(api)).Uid;

        // A worker dies: its nodes go NotReady and its pods are replaced on the other worker's nodes.
        worker1.Kill();
        await Eventually(async () => (await ReadyNodes(api)) is var ready && ready.Count == 2 && ready.All(n => n.StartsWith("w2-", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "w1's nodes NotReady");
        await Eventually(async () => (await RunningPodNodes(api)) is var nodes && nodes.Count == 4 && nodes.All(n => n.StartsWith("w2-", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(90), "4 Running pods, all on w2");
        Assert.Equal(keeperUid, (await Keeper(api)).Uid);

        // The worker restarted under its name (and state): its nodes come back Ready, and its kubelet adopts the pod its
        // container runtime still runs: the same pod, Ready again, its container not restarted.
        await Start("w1", ["worker", "--join", survivor.ClusterAddress, "--nodes", "2", "--name", "w1", "--postgres", postgres, "--time-scale", "20", "--console-port", "0"]);
        await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "w1's nodes Ready again");
        await Eventually(async () => await Keeper(api) is { Phase: "Running", Ready: true }, TimeSpan.FromSeconds(60), "keeper Ready again on the restarted w1");
        var adopted = await Keeper(api);
        Assert.Equal((keeperUid, 0), (adopted.Uid, adopted.Restarts));
    }

    private static async Task<(string Uid, string? Phase, bool Ready, int Restarts)> Keeper(HttpClient api)
    {
        var pod = JsonNode.Parse(await api.GetStringAsync("/api/v1/namespaces/default/pods/keeper"))!;
        var ready = pod["status"]?["conditions"]?.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true;
        var restarts = pod["status"]?["containerStatuses"]?[0]?["restartCount"]?.GetValue<int>() ?? 0;
        return (pod["metadata"]!["uid"]!.GetValue<string>(), pod["status"]?["phase"]?.GetValue<string>(), ready, restarts);
    }

    [PostgresFact]
    public async Task A_worker_cut_off_by_a_network_partition_is_downed_and_its_pods_are_replaced_without_double_writes()
    {
        var (cp1, cp2, w1, w2, _) = await StartFourMembers();
        using var api = new HttpClient { BaseAddress = cp2.Api!, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually(async () => (await ReadyNodes(api)).Count == 4, TimeSpan.FromSeconds(60), "4 Ready nodes");

        // Every pod version the API hands out, from a watch that runs through the whole partition.
        using var watching = new CancellationTokenSource();
        var versions = new List<(long ResourceVersion, string Name, string Uid)>();
        var watch = WatchPods(cp2.Api!, versions, watching.Token);

        var deployment = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"replicas":4,"selector":{"matchLabels":{"app":"web"}},
                     "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}
            """)!;
        (await api.PostAsJsonAsync("/apis/apps/v1/namespaces/default/deployments", deployment)).EnsureSuccessStatusCode();
        await Eventually(async () => (await RunningPodNodes(api)) is var nodes && nodes.Count == 4 && nodes.Any(n => n.StartsWith("w1-", StringComparison.Ordinal)) && nodes.Any(n => n.StartsWith("w2-", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(120), "4 Running pods over both workers");

        // The partition: every other member blackholes its link to w1, through its console as a user would. Times are
        // from the first blackhole (the one on the store's member: w1's writes stop there).
        var cut = Stopwatch.StartNew();
        foreach (var member in new[] { cp1, cp2, w2 })
        {
            var blackhole = await EmulatorProcess.RunCliAsync("pbm", member.ConsoleAddress, "remote", "blackhole", w1.ClusterAddress);
            Assert.True(blackhole.ExitCode == 0, $"remote blackhole on {member.Name}: {blackhole.Stderr}{blackhole.Stdout}");
            Assert.EndsWith($"@{w1.ClusterAddress}: blackhole (both)", blackhole.Stdout.Trim(), StringComparison.Ordinal);
        }
        var partitioned = cut.Elapsed;
        var connections = await EmulatorProcess.RunCliAsync("pbm", cp2.ConsoleAddress, "remote", "connections");
        Assert.Matches($@"(?m)^\S+@{System.Text.RegularExpressions.Regex.Escape(w1.ClusterAddress)}\s+Up\s+\S+\s+associated \(\w+\)\s+\S+\s+blackhole \(both\)$", connections.Stdout);

        // The majority side (three of four members) downs w1; w1, alone on its side, downs itself and exits. Meanwhile
        // w1's nodes stop renewing their leases: NotReady, and after the toleration their pods are replaced on w2.
        async Task<TimeSpan> Timed(Func<Task> reached)
        {
            await reached();
            return cut.Elapsed;
        }
        var downedTask = Timed(() => Eventually(async () => !(await ClusterMembers(cp2)).Contains(w1.ClusterAddress), TimeSpan.FromSeconds(60), "w1 removed from the cluster"));
        var notReadyTask = Timed(() => Eventually(async () => (await ReadyNodes(api)) is var ready && ready.Count == 2 && ready.All(n => n.StartsWith("w2-", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), "w1's nodes NotReady"));
        var replacedTask = Timed(() => Eventually(async () => (await RunningPodNodes(api)) is var nodes && nodes.Count == 4 && nodes.All(n => n.StartsWith("w2-", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(90), "4 Running pods, all on w2"));
        var downed = await downedTask;
        Assert.Equal(1, await w1.ExitCode.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("this member was removed from the cluster (downed)", w1.Output, StringComparison.Ordinal);
        Assert.Equal(3, (await ClusterMembers(cp2)).Count);
        var notReady = await notReadyTask;
        var replaced = await replacedTask;
        Console.WriteLine($"partition: blackholed from 3 members in {partitioned.TotalSeconds:0.0} s; w1 downed {downed.TotalSeconds:0.0} s after the blackhole, its nodes NotReady after {notReady.TotalSeconds:0.0} s, its pods Running on w2 after {replaced.TotalSeconds:0.0} s");

        // Nothing written twice: one object per resourceVersion, one uid per pod name, and four live replicas.
        await Task.Delay(1000);
        await watching.CancelAsync();
        await watch;
        lock (versions)
        {
            Assert.True(versions.Count > 0, "the watch saw no pod changes");
            foreach (var reused in versions.GroupBy(v => v.ResourceVersion).Where(g => g.Select(v => v.Uid).Distinct().Count() > 1))
            {
                Assert.Fail($"resourceVersion {reused.Key} was given to {string.Join(", ", reused.Select(v => v.Name))}");
            }
            foreach (var twice in versions.GroupBy(v => v.Name).Where(g => g.Select(v => v.Uid).Distinct().Count() > 1))
            {
                Assert.Fail($"pod {twice.Key} was created more than once");
            }
        }
        var live = JsonNode.Parse(await api.GetStringAsync("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb"))!["items"]!.AsArray()
            .Where(p => p!["metadata"]!["deletionTimestamp"] is null).Select(p => p!["metadata"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(4, live.Count);
        Assert.Equal(4, live.Distinct().Count());
    }

    private static async Task<List<string>> ClusterMembers(EmulatorMember member)
    {
        var show = await EmulatorProcess.RunCliAsync("pbm", member.ConsoleAddress, "cluster", "show", "--output", "json");
        if (show.ExitCode != 0)
        {
            throw new HttpRequestException($"cluster show on {member.Name}: {show.Stderr}");
        }
        return JsonNode.Parse(show.Stdout)!.AsArray().Select(m => m!["address"]!.GetValue<string>().Split('@')[1]).ToList();
    }

    // Watches the default namespace's pods, recording every version; reconnects from the last version seen.
    private static async Task WatchPods(Uri api, List<(long ResourceVersion, string Name, string Uid)> versions, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = Timeout.InfiniteTimeSpan };
        var from = JsonNode.Parse(await http.GetStringAsync("/api/v1/namespaces/default/pods", cancellationToken))!["metadata"]!["resourceVersion"]!.GetValue<string>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync($"/api/v1/namespaces/default/pods?watch=true&resourceVersion={from}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    var change = JsonNode.Parse(line)!;
                    if (change["type"]?.GetValue<string>() is null or "BOOKMARK" or "ERROR")
                    {
                        continue;
                    }
                    var metadata = change["object"]!["metadata"]!;
                    from = metadata["resourceVersion"]!.GetValue<string>();
                    lock (versions)
                    {
                        versions.Add((long.Parse(from, System.Globalization.CultureInfo.InvariantCulture), metadata["name"]!.GetValue<string>(), metadata["uid"]!.GetValue<string>()));
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(250, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<string> CreateDatabaseAsync()
    {
        _admin = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{Variable} is not set, and CI=true requires the multi-process tests to run: .ci/run starts a throwaway server and sets it");
        await using (var connection = new NpgsqlConnection(_admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(_admin) { Database = _database }.ConnectionString;
    }

    /// <summary>
    /// Two control-plane members and two workers of two nodes each on a fresh database, cp1 first (it creates the journal's
    /// schema) and the others together. Time runs 20 times faster: a node's 50 s grace period and the pods' 300 s
    /// toleration pass in 2.5 s and 15 s.
    /// </summary>
    private async Task<(EmulatorMember Cp1, EmulatorMember Cp2, EmulatorMember W1, EmulatorMember W2, string Postgres)> StartFourMembers()
    {
        var postgres = await CreateDatabaseAsync();
        string[] shared = ["--postgres", postgres, "--time-scale", "20", "--console-port", "0"];
        var cp1 = await Start("cp1", ["control-plane", "--api-port", "0", "--cluster-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), .. shared]);
        var seed = cp1.ClusterAddress;
        var cp2 = Start("cp2", ["control-plane", "--api-port", "0", "--seed", seed, .. shared]);
        var w1 = Start("w1", ["worker", "--join", seed, "--nodes", "2", "--name", "w1", .. shared]);
        var w2 = Start("w2", ["worker", "--join", seed, "--nodes", "2", "--name", "w2", .. shared]);
        return (cp1, await cp2, await w1, await w2, postgres);
    }

    private async Task<EmulatorMember> Start(string name, string[] arguments)
    {
        var member = EmulatorMember.Launch(name, [.. arguments, "--state", Path.Combine(_root, name)]);
        lock (_members)
        {
            _members.Add(member);
        }
        await member.StartedWithin(TimeSpan.FromSeconds(90));
        return member;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(string Name, long ResourceVersion)> CreateConfigMap(HttpClient api, string name)
    {
        var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = name }, ["data"] = new JsonObject { ["k"] = "v" } };
        var response = await api.PostAsJsonAsync("/api/v1/namespaces/default/configmaps", body);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            // An earlier attempt timed out on the client but was applied: it is there.
            var existing = JsonNode.Parse(await api.GetStringAsync($"/api/v1/namespaces/default/configmaps/{name}"))!;
            return (name, long.Parse(existing["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"create configmap {name}: {(int)response.StatusCode}");
        }
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (name, long.Parse(created["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<Dictionary<string, JsonNode>> ConfigMaps(HttpClient api) =>
        JsonNode.Parse(await api.GetStringAsync("/api/v1/namespaces/default/configmaps"))!["items"]!.AsArray()
            .ToDictionary(i => i!["metadata"]!["name"]!.GetValue<string>(), i => i!);

    private static async Task<List<string>> ReadyNodes(HttpClient api) =>
        JsonNode.Parse(await api.GetStringAsync("/api/v1/nodes"))!["items"]!.AsArray()
            .Where(n => n!["status"]?["conditions"]?.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true)
            .Select(n => n!["metadata"]!["name"]!.GetValue<string>()).ToList();

    private static async Task<List<string>> RunningPodNodes(HttpClient api) =>
        JsonNode.Parse(await api.GetStringAsync("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb"))!["items"]!.AsArray()
            .Where(p => p!["metadata"]!["deletionTimestamp"] is null && p["status"]?["phase"]?.GetValue<string>() == "Running")
            .Select(p => p!["spec"]!["nodeName"]!.GetValue<string>()).ToList();

    private static async Task<bool> PodReady(HttpClient api, string name) =>
        JsonNode.Parse(await api.GetStringAsync($"/api/v1/namespaces/default/pods/{name}"))!["status"]?["conditions"]?.AsArray()
            .Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true;

    /// <summary>Polls <paramref name="condition"/>; on timeout the failure carries <paramref name="state"/> (what the cluster shows) and every member's output.</summary>
    private async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<Task<string>>? state = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // The API answers 5xx or times out while the store moves.
            }
            if (DateTime.UtcNow > deadline)
            {
                var shown = state is null ? "" : await state() + "\n";
                throw new TimeoutException($"not within {timeout.TotalSeconds:0} s: {what}\n{shown}{string.Join("\n", _members.Select(m => $"--- {m.Name}\n{m.Output}"))}");
            }
            await Task.Delay(250);
        }
    }
}
