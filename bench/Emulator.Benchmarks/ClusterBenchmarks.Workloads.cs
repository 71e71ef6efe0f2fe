using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.Cli;
using Emulator.ControlPlane.Store;

namespace Emulator.Benchmarks;

/// <summary>Sizes of the workload scenarios (issue 10): nodes of the DaemonSet, replicas of the StatefulSet, Jobs.</summary>
internal sealed record Workloads(int DaemonSetNodes, int StatefulSetReplicas, int Jobs)
{
    /// <summary>Full sizes as the issue asks; <c>--quick</c> a tenth of the DaemonSet and Jobs, a fifth of the StatefulSet.</summary>
    public static Workloads ForRun(bool quick) => quick ? new(100, 20, 100) : new(1_000, 100, 1_000);

    /// <summary>
    /// Nodes for the StatefulSet and the Jobs: at least 10, and room for every pod at 100 a node (a node takes 110 pods,
    /// and a terminated Job pod still counts against that until it is deleted).
    /// </summary>
    public static int NodesFor(int pods) => Math.Max(10, (pods + 99) / 100);
}

public static partial class ClusterBenchmarks
{
    private static readonly ResourceType DaemonSets = ResourceTypes.Of("apps", "daemonsets");
    private static readonly ResourceType StatefulSets = ResourceTypes.Of("apps", "statefulsets");
    private static readonly ResourceType Jobs = ResourceTypes.Of("batch", "jobs");
    private static readonly ResourceType StorageClasses = ResourceTypes.Of("storage.k8s.io", "storageclasses");
    private static readonly ResourceType Claims = ResourceTypes.Of("", "persistentvolumeclaims");

    private static IEnumerable<(string Scenario, string Result, string Target)> RunWorkloads(Workloads sizes)
    {
        var n = sizes.DaemonSetNodes;
        var daemonSet = DaemonSetReady(n).GetAwaiter().GetResult();
        Console.Error.WriteLine($"  DaemonSet over {n} nodes: {Report(daemonSet)}");
        yield return ($"DaemonSet over {n:N0} nodes: a Ready pod on every node", Result(daemonSet), "");

        var replicas = sizes.StatefulSetReplicas;
        var statefulSetNodes = Workloads.NodesFor(replicas);
        var statefulSet = StatefulSetReady(replicas, statefulSetNodes).GetAwaiter().GetResult();
        Console.Error.WriteLine($"  StatefulSet of {replicas} on {statefulSetNodes} nodes: {Report(statefulSet)}");
        yield return ($"StatefulSet of {replicas:N0} ({statefulSetNodes} nodes, OrderedReady, one PVC each): all Ready", Result(statefulSet), "");

        var jobs = sizes.Jobs;
        var jobNodes = Workloads.NodesFor(jobs);
        var jobRun = JobsComplete(jobs, jobNodes).GetAwaiter().GetResult();
        Console.Error.WriteLine($"  {jobs} Jobs on {jobNodes} nodes: {Report(jobRun)}");
        yield return ($"{jobs:N0} Jobs of one pod ({jobNodes} nodes): all Complete", Result(jobRun), "");
    }

    private static string Result(WorkloadRun run) => $"{Describe(run.Seconds)}, {run.Memory / 1048576.0:0} MiB";

    private static string Report(WorkloadRun run) =>
        $"{Describe(run.Seconds)} ({run.Reached}/{run.Target} reached; creating took {run.CreateSeconds:0.00} s; {run.Check}), {run.Memory / 1048576.0:0} MiB";

    /// <summary>One DaemonSet: the clock runs from its creation until its status counts a Ready pod on each of the nodes.</summary>
    private static Task<WorkloadRun> DaemonSetReady(int nodes) => TimeWorkload(nodes, nodes,
        cluster => Create(cluster, DaemonSets, DaemonSet()),
        async cluster =>
        {
            var status = (await Get(cluster, DaemonSets, "bench-ds"))?["status"];
            if (Progress)
            {
                var pods = await PodsOf(cluster, "bench-ds");
                Console.Error.WriteLine($"    {DateTime.Now:HH:mm:ss.f} pods {pods.Count}, bound {pods.Count(p => p["spec"]?["nodeName"] is not null)}, Running {pods.Count(p => p["status"]?["phase"]?.GetValue<string>() == "Running")}, status {status?.ToJsonString()}");
            }
            // Both counts, so a controller that has not yet seen every node cannot finish early.
            return status?["desiredNumberScheduled"]?.GetValue<int>() == nodes ? status["numberReady"]?.GetValue<int>() ?? 0 : 0;
        },
        check: async cluster =>
        {
            var pods = await PodsOf(cluster, "bench-ds");
            var running = pods.Where(p => p["status"]?["phase"]?.GetValue<string>() == "Running").ToList();
            var onNodes = running.Select(p => p["spec"]?["nodeName"]?.GetValue<string>()).Distinct().Count();
            return $"{running.Count} of {pods.Count} pods Running, on {onNodes} distinct nodes";
        });

    /// <summary>
    /// One StatefulSet under OrderedReady with one volumeClaimTemplate: every ordinal waits for the one before it to be
    /// Ready, and each pod's claim is provisioned (default class <c>standard</c>, WaitForFirstConsumer) once scheduled.
    /// </summary>
    private static Task<WorkloadRun> StatefulSetReady(int replicas, int nodes)
    {
        // OrderedReady, as observed at each poll: pods that exist but are not Ready (at most one, the next ordinal).
        var mostNotReady = 0;
        return TimeWorkload(nodes, replicas,
            cluster => Create(cluster, StatefulSets, StatefulSet(replicas)),
            async cluster =>
            {
                var pods = await PodsOf(cluster, "bench-sts");
                mostNotReady = Math.Max(mostNotReady, pods.Count(p => !IsReady(p)));
                return (await Get(cluster, StatefulSets, "bench-sts"))?["status"]?["readyReplicas"]?.GetValue<int>() ?? 0;
            },
            // The default StorageClass is created by the PV controller when it starts: the clock starts once it exists, so
            // the claims are not timed waiting for it (a claim without a class gets the default one retroactively).
            precondition: async cluster => await Get(cluster, StorageClasses, "standard", null) is not null,
            check: async cluster =>
            {
                var claims = await cluster.Store.Ask<ListReply>(new ListObjects(Claims, "default"), cluster.StoreTimeout);
                var bound = claims.Items.Count(c => c.ToJsonObject()["status"]?["phase"]?.GetValue<string>() == "Bound");
                return $"{bound} of {claims.Items.Count} PVCs Bound; at most {mostNotReady} pod(s) not Ready at once";
            });
    }

    private static bool IsReady(JsonObject pod) => pod["status"]?["conditions"] is JsonArray conditions
        && conditions.Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

    /// <summary>Jobs of one pod each (<c>sh -c "exit 0"</c>, restartPolicy Never), all created at once: until every Job is Complete.</summary>
    private static Task<WorkloadRun> JobsComplete(int jobs, int nodes) => TimeWorkload(nodes, jobs,
        async cluster => await Task.WhenAll(Enumerable.Range(0, jobs).Select(i => Create(cluster, Jobs, Job($"bench-job-{i:D4}")))),
        async cluster =>
        {
            var list = await cluster.Store.Ask<ListReply>(new ListObjects(Jobs, "default"), cluster.StoreTimeout);
            var complete = list.Items.Count(j => j.ToJsonObject()["status"]?["conditions"] is JsonArray conditions
                && conditions.Any(c => c?["type"]?.GetValue<string>() == "Complete" && c["status"]?.GetValue<string>() == "True"));
            if (Progress)
            {
                var pods = await cluster.Store.Ask<ListReply>(new ListObjects(ResourceTypes.Pods, "default"), cluster.StoreTimeout);
                var phases = pods.Items.Select(p => p.ToJsonObject()).GroupBy(p => p["spec"]?["nodeName"] is null ? "unbound" : p["status"]?["phase"]?.GetValue<string>() ?? "none")
                    .Select(g => $"{g.Count()} {g.Key}");
                Console.Error.WriteLine($"    {DateTime.Now:HH:mm:ss.f} Jobs {list.Items.Count}, Complete {complete}; pods: {string.Join(", ", phases)}");
            }
            return complete;
        },
        check: async cluster =>
        {
            var list = await cluster.Store.Ask<ListReply>(new ListObjects(Jobs, "default"), cluster.StoreTimeout);
            var succeeded = list.Items.Count(j => j.ToJsonObject()["status"]?["succeeded"]?.GetValue<int>() == 1);
            var pods = await cluster.Store.Ask<ListReply>(new ListObjects(ResourceTypes.Pods, "default"), cluster.StoreTimeout);
            var phases = pods.Items.GroupBy(p => p.ToJsonObject()["status"]?["phase"]?.GetValue<string>() ?? "none")
                .Select(g => $"{g.Count()} {g.Key}");
            return $"{succeeded} Jobs with succeeded=1; pods: {string.Join(", ", phases)}";
        });

    /// <summary>
    /// Starts a cluster of <paramref name="nodes"/> nodes (zero image pull delay), waits until they are Ready (and the
    /// precondition holds), then times <paramref name="create"/> until <paramref name="reached"/> counts
    /// <paramref name="target"/>; <paramref name="check"/> describes the end state, after the clock has stopped.
    /// </summary>
    private static async Task<WorkloadRun> TimeWorkload(int nodes, int target, Func<ClusterHost, Task> create, Func<ClusterHost, Task<int>> reached,
        Func<ClusterHost, Task<bool>>? precondition = null, Func<ClusterHost, Task<string>>? check = null)
    {
        var directory = Directory.CreateTempSubdirectory("emulator-cluster-bench-").FullName;
        try
        {
            await using var cluster = await ClusterHost.StartAsync(new ClusterHostOptions(directory, 0, Path.Combine(directory, "kubeconfig"), nodes, TimeScale, ImagePullDelay: TimeSpan.Zero), CancellationToken.None);
            if (!await Until(async () => (await cluster.CountReadyNodesAsync()).Ready >= nodes && (precondition is null || await precondition(cluster))))
            {
                return new WorkloadRun(null, Process.GetCurrentProcess().WorkingSet64, 0, target, 0, "nodes never Ready");
            }
            var costs = RuntimeCosts.Start();
            var clock = Stopwatch.StartNew();
            await create(cluster);
            var createSeconds = clock.Elapsed.TotalSeconds;
            var last = 0;
            var done = await Until(async () => (last = await reached(cluster)) >= target);
            var elapsed = clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine($"    {costs.Describe()}");
            var memory = Process.GetCurrentProcess().WorkingSet64;
            var state = check is null ? "" : await check(cluster);
            return new WorkloadRun(done ? elapsed : null, memory, last, target, createSeconds, state);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task Create(ClusterHost cluster, ResourceType type, JsonObject obj)
    {
        var created = await cluster.Store.Ask<StoreReply>(new CreateObject(type, obj), TimeSpan.FromMinutes(1));
        if (created.Error is { } error)
        {
            throw new InvalidOperationException($"creating {type.Resource} {obj["metadata"]?["name"]}: {error.Message}");
        }
    }

    private static async Task<JsonObject?> Get(ClusterHost cluster, ResourceType type, string name, string? ns = "default") =>
        (await cluster.Store.Ask<StoreReply>(new GetObject(type, ns, name), cluster.StoreTimeout)).Object?.ToJsonObject();

    private static async Task<List<JsonObject>> PodsOf(ClusterHost cluster, string app)
    {
        var pods = await cluster.Store.Ask<ListReply>(new ListObjects(ResourceTypes.Pods, "default", new ObjectSelector("app=" + app)), cluster.StoreTimeout);
        return pods.Items.Select(p => p.ToJsonObject()).ToList();
    }

    private static JsonObject DaemonSet() => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "DaemonSet",
        ["metadata"] = new JsonObject { ["name"] = "bench-ds", ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "bench-ds" } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "bench-ds" } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "agent", ["image"] = "nginx:1.25" }) },
            },
        },
    };

    private static JsonObject StatefulSet(int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "StatefulSet",
        ["metadata"] = new JsonObject { ["name"] = "bench-sts", ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["serviceName"] = "bench-sts",
            ["podManagementPolicy"] = "OrderedReady",
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "bench-sts" } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "bench-sts" } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "db",
                        ["image"] = "nginx:1.25",
                        ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "data", ["mountPath"] = "/data" }),
                    }),
                },
            },
            ["volumeClaimTemplates"] = new JsonArray(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "data" },
                ["spec"] = new JsonObject
                {
                    ["accessModes"] = new JsonArray("ReadWriteOnce"),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
                },
            }),
        },
    };

    private static JsonObject Job(string name) => new()
    {
        ["apiVersion"] = "batch/v1",
        ["kind"] = "Job",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["template"] = new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["restartPolicy"] = "Never",
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "task",
                        ["image"] = "busybox:1.36",
                        ["command"] = new JsonArray("sh", "-c", "exit 0"),
                    }),
                },
            },
        },
    };

    /// <summary>One timed workload: seconds (null: not reached in the limit), memory, the last count against the target, how long the creates took, the end state.</summary>
    private sealed record WorkloadRun(double? Seconds, long Memory, int Reached, int Target, double CreateSeconds, string Check);
}
