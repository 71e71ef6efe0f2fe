using System.Globalization;
using System.Text.RegularExpressions;
using Emulator.Chaos.Experiments;
using Emulator.Chaos.Invariants;
using Emulator.Chaos.Reporting;
using Emulator.Chaos.Targets;

namespace Emulator.Chaos;

/// <summary>
/// Runs an experiment: applies the workload, lets the warm-up pass, injects the faults at their times (targets chosen
/// with the seed), observes the cluster at every step for the invariants and the digest, and after the last fault waits
/// until the cluster has converged or the settle time is over.
/// </summary>
public sealed class ExperimentRunner(Experiment experiment, IChaosTarget target, int seed, Action<string>? progress = null, TextWriter? trace = null)
{
    private readonly Random _random = new(seed);
    private readonly List<FaultRecord> _faults = [];
    private readonly List<Invariant> _invariants = experiment.Invariants.Select(Create).ToList();
    private readonly HashSet<string> _stoppedNodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _killedProcesses = new(StringComparer.Ordinal);
    private readonly TraceDigest _digest = new(trace);
    private Observation? _last;
    private TimeSpan _elapsed;
    private DateTimeOffset _started;

    /// <summary>Runs the experiment to its end and returns the report.</summary>
    public async Task<ChaosReport> RunAsync()
    {
        var realStart = DateTimeOffset.UtcNow;
        _started = await target.NowAsync();
        var applied = new List<string>();
        foreach (var manifest in experiment.Workload)
        {
            applied.AddRange(await target.ApplyAsync(manifest));
        }
        var schedule = experiment.Schedule;
        var (actions, lastFaultEnd) = Plan(schedule);
        var deadline = lastFaultEnd + schedule.Settle;
        var ledger = _invariants.OfType<NoAcknowledgedWriteLost>().FirstOrDefault();
        long written = 0;
        TimeSpan? convergedAt = null;
        while (true)
        {
            foreach (var action in actions.Where(a => a.At <= _elapsed).OrderBy(a => a.At).ThenBy(a => a.Order).ToArray())
            {
                actions.Remove(action);
                await action.Run();
            }
            var observation = await ObserveAsync();
            if (ledger is not null)
            {
                ledger.Read(_elapsed, await target.ReadLedgerAsync());
                if (await target.WriteLedgerAsync(++written) is { } version)
                {
                    ledger.Written(written, version);
                }
            }
            if (_elapsed >= lastFaultEnd && actions.Count == 0 && _invariants.All(i => i.IsConverged(observation)) && ConvergesWithin.NotConverged(observation).Count == 0)
            {
                convergedAt = _elapsed;
                break;
            }
            if (_elapsed >= deadline)
            {
                break;
            }
            await target.AdvanceAsync(schedule.Step);
            // The cluster's clock decides: on an attached cluster, observing takes emulated time too.
            _elapsed = await target.NowAsync() - _started;
        }
        var convergedAfter = convergedAt - lastFaultEnd;
        foreach (var invariant in _invariants)
        {
            invariant.Finish(_last!, convergedAfter);
        }
        return new ChaosReport(experiment.Name, seed, target.IsReplayable, _digest.Hex(), applied, _faults,
            _invariants.Select(i => new InvariantResult(i.Name, i.FirstViolation)).ToArray(), lastFaultEnd, convergedAfter, _elapsed, DateTimeOffset.UtcNow - realStart);
    }

    private sealed record PlannedAction(TimeSpan At, int Order, Func<Task> Run);

    // Every occurrence of every fault, in emulated time from the start: the first at warm-up + at, then every `every`
    // while inside the fault window. The end of a timed fault (a node started again) is planned when it happens; the
    // last fault's end is known up front.
    private (List<PlannedAction> Actions, TimeSpan LastFaultEnd) Plan(ScheduleSpec schedule)
    {
        var actions = new List<PlannedAction>();
        var lastFaultEnd = schedule.Warmup;
        var order = 0;
        foreach (var fault in experiment.Faults)
        {
            for (var at = fault.At; ; at += fault.Every!.Value)
            {
                var when = schedule.Warmup + at;
                var occurrence = order++;
                actions.Add(new PlannedAction(when, occurrence, () => InjectAsync(fault, actions, occurrence)));
                var ends = fault.For is { } length && fault.Action is FaultAction.StopNode or FaultAction.Partition or FaultAction.LossyLink or FaultAction.KillProcess or FaultAction.DelayJournal ? when + length : when;
                lastFaultEnd = ends > lastFaultEnd ? ends : lastFaultEnd;
                if (fault.Every is null || at + fault.Every.Value >= schedule.Duration)
                {
                    break;
                }
            }
        }
        return (actions, lastFaultEnd);
    }

    private async Task InjectAsync(FaultSpec fault, List<PlannedAction> actions, int order)
    {
        switch (fault.Action)
        {
            case FaultAction.KillActor:
            case FaultAction.StopActor:
                var verb = fault.Action == FaultAction.KillActor ? "kill-actor" : "stop-actor";
                var paths = await target.FindActorsAsync(fault.Target, fault.Member);
                if (paths.Count == 0)
                {
                    Record(fault, verb, $"{fault.Target} (no actor matches)");
                }
                foreach (var path in Pick(paths, fault.Pick))
                {
                    Record(fault, verb, path);
                    await target.KillActorAsync(path, fault.Action == FaultAction.StopActor, fault.Member);
                }
                break;
            case FaultAction.StopNode:
                var pattern = Glob(fault.Target);
                var nodes = (await target.NodesAsync(fault.Member)).Where(n => pattern.IsMatch(n) && !_stoppedNodes.Contains(n)).Order(StringComparer.Ordinal).ToArray();
                if (nodes.Length == 0)
                {
                    Record(fault, "stop-node", $"{fault.Target} (no running node matches)");
                }
                foreach (var node in Pick(nodes, fault.Pick))
                {
                    Record(fault, "stop-node", node);
                    var pods = _last?["pods"].Where(p => ObjectState.NodeOf(p) == node && ObjectState.IsActive(p)).ToArray() ?? [];
                    await target.SetNodeRunningAsync(node, false, fault.Member);
                    _stoppedNodes.Add(node);
                    foreach (var invariant in _invariants)
                    {
                        invariant.NodeStopped(new StoppedNode(node, _elapsed, pods));
                    }
                    if (fault.For is { } length)
                    {
                        actions.Add(new PlannedAction(_elapsed + length, order, async () =>
                        {
                            Record(fault, "start-node", node);
                            await target.SetNodeRunningAsync(node, true, fault.Member);
                            _stoppedNodes.Remove(node);
                            foreach (var invariant in _invariants)
                            {
                                invariant.NodeStarted(node);
                            }
                        }));
                    }
                }
                break;
            case FaultAction.Apply:
                foreach (var line in await target.ApplyAsync(fault.Manifest!))
                {
                    Record(fault, "apply", line);
                }
                break;
            case FaultAction.KillProcess:
                var processPattern = Glob(fault.Target);
                var processes = (await target.ProcessesAsync(fault.Member)).Where(p => p.Running && processPattern.IsMatch(p.Name) && !_killedProcesses.Contains(p.Name))
                    .OrderBy(p => p.Name, StringComparer.Ordinal).ToArray();
                if (processes.Length == 0)
                {
                    Record(fault, "kill-process", $"{fault.Target} (no running process matches)");
                }
                foreach (var name in Pick(processes.Select(p => p.Name).ToArray(), fault.Pick))
                {
                    var process = processes.First(p => p.Name == name);
                    Record(fault, "kill-process", process.Nodes.Count == 0 ? name : $"{name} (nodes {string.Join(", ", process.Nodes)})");
                    // Its nodes die with it: for the invariants, each is a node stopped now with the pods it ran.
                    var lost = process.Nodes.Select(node => new StoppedNode(node, _elapsed, _last?["pods"].Where(p => ObjectState.NodeOf(p) == node && ObjectState.IsActive(p)).ToArray() ?? [])).ToArray();
                    await target.KillProcessAsync(name, fault.Member);
                    _killedProcesses.Add(name);
                    foreach (var invariant in _invariants)
                    {
                        foreach (var node in lost)
                        {
                            invariant.NodeStopped(node);
                        }
                    }
                    if (fault.For is { } down)
                    {
                        actions.Add(new PlannedAction(_elapsed + down, order, async () =>
                        {
                            Record(fault, "restart-process", name);
                            await target.RestartProcessAsync(name, fault.Member);
                            _killedProcesses.Remove(name);
                            foreach (var invariant in _invariants)
                            {
                                foreach (var node in process.Nodes)
                                {
                                    invariant.NodeStarted(node);
                                }
                            }
                        }));
                    }
                }
                break;
            case FaultAction.DelayJournal:
                Record(fault, "delay-journal", $"{ConvergesWithin.Format(fault.Delay!.Value)} per write");
                await target.SetJournalDelayAsync(fault.Delay.Value, fault.Member);
                if (fault.For is { } slow)
                {
                    actions.Add(new PlannedAction(_elapsed + slow, order, async () =>
                    {
                        Record(fault, "restore-journal", "writes acknowledged at once");
                        await target.SetJournalDelayAsync(TimeSpan.Zero, fault.Member);
                    }));
                }
                break;
            case FaultAction.LossyLink:
                var drop = fault.Drop!.Value.ToString("0.###", CultureInfo.InvariantCulture);
                Record(fault, "lossy-link", $"{fault.Target} (drop {drop})");
                await target.SetLinkLossAsync(fault.Target, fault.Drop.Value, fault.Member);
                if (fault.For is { } lossy)
                {
                    actions.Add(new PlannedAction(_elapsed + lossy, order, async () =>
                    {
                        Record(fault, "restore-link", fault.Target);
                        await target.SetLinkLossAsync(fault.Target, 0, fault.Member);
                    }));
                }
                break;
            case FaultAction.Partition:
                Record(fault, "partition", fault.Target);
                await target.SetPartitionedAsync(fault.Target, true, fault.Member);
                if (fault.For is { } cut)
                {
                    actions.Add(new PlannedAction(_elapsed + cut, order, async () =>
                    {
                        Record(fault, "heal-partition", fault.Target);
                        await target.SetPartitionedAsync(fault.Target, false, fault.Member);
                    }));
                }
                break;
        }
    }

    private async Task<Observation> ObserveAsync()
    {
        var objects = new Dictionary<string, IReadOnlyList<System.Text.Json.Nodes.JsonObject>>();
        foreach (var resource in Observation.Resources)
        {
            objects[resource] = await target.ListAsync(resource);
        }
        var observation = new Observation(await target.NowAsync(), _elapsed, objects);
        _digest.Observed(observation);
        foreach (var invariant in _invariants)
        {
            invariant.Observe(observation);
        }
        _last = observation;
        return observation;
    }

    private void Record(FaultSpec fault, string action, string what)
    {
        var record = new FaultRecord(fault.Index, action, what, _elapsed, _started + _elapsed, DateTimeOffset.UtcNow);
        _faults.Add(record);
        _digest.Fault(_elapsed, action, what);
        progress?.Invoke($"+{ChaosReport.Clock(_elapsed)}  faults[{fault.Index}] {action} {what}");
    }

    // Seeded choice of `count` distinct targets (a Fisher-Yates prefix over the sorted candidates).
    private IEnumerable<string> Pick(IReadOnlyList<string> candidates, int count)
    {
        var pool = candidates.ToArray();
        var picked = Math.Min(count, pool.Length);
        for (var i = 0; i < picked; i++)
        {
            var j = i + _random.Next(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool.Take(picked);
    }

    private static Regex Glob(string pattern) =>
        new("^" + string.Concat(pattern.Select(c => c == '*' ? ".*" : Regex.Escape(c.ToString()))) + "$", RegexOptions.CultureInvariant);

    private static Invariant Create(InvariantSpec spec) => spec.Type switch
    {
        "replicas-converge" => new ReplicasConverge(spec.Argument!.Split('/')[0], spec.Argument.Split('/')[1]),
        "daemonset-one-pod-per-node" => new DaemonSetOnePodPerNode(spec.Argument!),
        "statefulset-ordered" => new StatefulSetOrdered(spec.Argument!),
        "job-parallelism" => new JobParallelism(spec.Argument!),
        "no-acknowledged-write-lost" => new NoAcknowledgedWriteLost(),
        "killed-node-pods-replaced" => new KilledNodePodsReplaced(),
        _ => new ConvergesWithin(ExperimentReader.ParseDuration(spec.Argument!, spec.Type)),
    };
}
