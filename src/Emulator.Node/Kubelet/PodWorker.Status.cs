using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Event;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Node.Containers;

namespace Emulator.Node.Kubelet;

public sealed partial class PodWorker
{
    private readonly List<(Container Container, int ExitCode)> _stopping = [];
    private string? _terminalPhase;

    // ---- Probes -------------------------------------------------------------------------------------------------

    /// <summary>
    /// Arms the probes of a running container. The startup probe gates the others; without a readiness probe the
    /// container is ready once started. Probes that have settled (passing and ready, or failed and unready) stop until
    /// the pod's annotations change, so an idle pod holds no timers.
    /// </summary>
    private void StartProbes(Container c, bool rearm)
    {
        var startedAt = c.Current!.StartedAt;
        if (c.Spec.Probe("startupProbe") is { } startup && !c.Started)
        {
            ScheduleProbe(c, "startupProbe", rearm ? Period(startup) : Delay(startup, startedAt));
            return;
        }
        c.Started = true;
        if (c.Spec.Probe("readinessProbe") is { } readiness)
        {
            ScheduleProbe(c, "readinessProbe", rearm ? Period(readiness) : Delay(readiness, startedAt));
        }
        else
        {
            c.Ready = true;
        }
        if (c.Spec.Probe("livenessProbe") is { } liveness)
        {
            ScheduleProbe(c, "livenessProbe", rearm ? Period(liveness) : Delay(liveness, startedAt));
        }
        ScheduleWrite();
    }

    private TimeSpan Delay(JsonObject probe, DateTimeOffset startedAt) =>
        startedAt + TimeSpan.FromSeconds(JsonTree.GetInt(probe, "initialDelaySeconds") ?? 0) - Now;

    private static TimeSpan Period(JsonObject probe) => TimeSpan.FromSeconds(JsonTree.GetInt(probe, "periodSeconds") ?? 10);

    private void ScheduleProbe(Container c, string kind, TimeSpan delay)
    {
        var message = new ProbeNow(c.Name, kind, c.Run!.RunId);
        if (delay <= TimeSpan.Zero)
        {
            Timers.Cancel(("probe", c.Name, kind));
            Self.Tell(message, Self);
        }
        else
        {
            Timers.StartSingleTimer(("probe", c.Name, kind), message, delay);
        }
    }

    private void CancelProbes(Container c)
    {
        foreach (var kind in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Timers.Cancel(("probe", c.Name, kind));
        }
    }

    private void RunProbe(Container c, string kind)
    {
        if (c.Spec.Probe(kind) is not { } probe)
        {
            return;
        }
        var run = c.Run!;
        var period = Period(probe);
        var failureThreshold = JsonTree.GetInt(probe, "failureThreshold") ?? 3;
        var successThreshold = JsonTree.GetInt(probe, "successThreshold") ?? 1;
        var (passes, failure) = ProbeOutcome(c, kind, probe);
        var label = kind switch { "startupProbe" => "Startup", "readinessProbe" => "Readiness", _ => "Liveness" };
        if (!passes)
        {
            Event(c, "Warning", "Unhealthy", $"{label} probe failed: {failure}");
        }
        switch (kind)
        {
            case "startupProbe":
                if (passes)
                {
                    c.Started = true;
                    StartProbes(c, rearm: false);
                    Step();
                }
                else if (++run.StartupFailures >= failureThreshold)
                {
                    Kill(c, "startup");
                }
                else
                {
                    ScheduleProbe(c, kind, period);
                }
                break;
            case "readinessProbe":
                if (passes)
                {
                    run.ReadinessFailures = 0;
                    if (++run.ReadinessSuccesses >= successThreshold)
                    {
                        c.Ready = true;
                        ScheduleWrite();
                        break;
                    }
                }
                else
                {
                    run.ReadinessSuccesses = 0;
                    if (++run.ReadinessFailures >= failureThreshold || !c.Ready)
                    {
                        c.Ready = false;
                        ScheduleWrite();
                        if (run.ReadinessFailures >= failureThreshold)
                        {
                            // Settled: not ready until the outcome changes.
                            break;
                        }
                    }
                }
                ScheduleProbe(c, kind, period);
                break;
            default:
                if (passes)
                {
                    run.LivenessFailures = 0;
                }
                else if (++run.LivenessFailures >= failureThreshold)
                {
                    Kill(c, "liveness");
                }
                else
                {
                    ScheduleProbe(c, kind, period);
                }
                break;
        }
    }

    private string FailureText(JsonObject probe)
    {
        if (probe["httpGet"] is JsonObject)
        {
            return "HTTP probe failed with statuscode: 500";
        }
        if (probe["tcpSocket"] is JsonObject tcp)
        {
            return $"dial tcp {_record.PodIp}:{JsonTree.AsString(tcp["port"]) ?? tcp["port"]?.ToJsonString()}: connect: connection refused";
        }
        return "command failed with exit code 1";
    }

    /// <summary>A failed liveness or startup probe: the container is killed and restarted under the pod's restart policy.</summary>
    private void Kill(Container c, string probe)
    {
        Event(c, "Normal", "Killing", $"Container {c.Name} failed {probe} probe, will be restarted");
        Finish(c, 137, "Error");
        AfterExit(c);
    }

    // ---- Termination --------------------------------------------------------------------------------------------

    /// <summary>
    /// The pod got a deletionTimestamp: run each running container's preStop hook (within the grace period), then
    /// SIGTERM (exit 143); a container still in its hook when the grace period ends gets 2 s more and is killed (exit 137).
    /// </summary>
    private void BeginTermination()
    {
        _terminating = true;
        Timers.CancelAll();
        var grace = TimeSpan.FromSeconds(_pod.DeletionGracePeriodSeconds ?? 0);
        var last = TimeSpan.Zero;
        foreach (var c in All.Where(c => c.Current is { IsRunning: true }))
        {
            Event(c, "Normal", "Killing", $"Stopping container {c.Name}");
            var preStop = PreStopDuration(c);
            // A hook that overruns the grace period gets 2 s more, then the container is killed (SIGKILL: 137).
            var (at, code) = preStop >= grace ? (grace + TimeSpan.FromSeconds(2), 137) : (preStop, 143);
            _stopping.Add((c, code));
            last = at > last ? at : last;
        }
        foreach (var c in All)
        {
            c.Pulling = false;
            if (c.Waiting is { Reason: "CrashLoopBackOff" or "ImagePullBackOff" or "ErrImagePull" or "ContainerCreating" })
            {
                c.Waiting = null;
            }
        }
        if (last <= TimeSpan.Zero)
        {
            Self.Tell(new TerminationDone(), Self);
        }
        else
        {
            Timers.StartSingleTimer("termination", new TerminationDone(), last);
        }
    }

    private TimeSpan PreStopDuration(Container c)
    {
        if (JsonTree.GetObject(c.Spec.Json, "lifecycle", "preStop") is not { } preStop)
        {
            return TimeSpan.Zero;
        }
        if (JsonTree.GetInt(preStop, "sleep", "seconds") is { } seconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        if (JsonTree.GetArray(preStop, "exec", "command") is { } command)
        {
            var script = ContainerScript.Interpret(command.Select(JsonTree.AsString).OfType<string>().ToList(), [], []);
            return script.ExitAt ?? TimeSpan.MaxValue;
        }
        return TimeSpan.Zero;
    }

    private void CompleteTermination()
    {
        if (_deleteSent)
        {
            return;
        }
        foreach (var (c, code) in _stopping)
        {
            Finish(c, code, "Error");
        }
        _stopping.Clear();
        var codes = _app.Select(c => c.Current?.ExitCode ?? 0).ToList();
        _terminalPhase = _failed || codes.Any(code => code != 0) ? "Failed" : (_app.All(c => c.Current is not null) ? "Succeeded" : "Failed");
        Write();
        _deleteSent = true;
        // The containers are gone: the kubelet removes the object (grace period 0, this incarnation only).
        _store.Tell(new DeleteObject(ResourceTypes.Pods, Namespace, PodName, new DeleteOptions(0, _record.PodUid)), Self);
    }

    // ---- Status -------------------------------------------------------------------------------------------------

    private void ScheduleWrite()
    {
        if (!_writeScheduled)
        {
            _writeScheduled = true;
            Self.Tell(new WriteStatus(), Self);
        }
    }

    /// <summary>Writes the pod status through the status subresource, only when it differs from what the store holds.</summary>
    private void Write()
    {
        if (_deleteSent)
        {
            return;
        }
        var status = BuildStatus();
        if (_written is not null && !_rewriteStatus && JsonTree.DeepEquals(status, _written))
        {
            return;
        }
        _rewriteStatus = false;
        _written = status;
        _statusWrites.Add((status, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(status)));
        if (_statusWrites.Count > MaxStatusWritesInFlight)
        {
            _statusWrites.RemoveAt(0);
        }
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = PodName, ["namespace"] = Namespace, ["uid"] = _record.PodUid },
            ["status"] = status.DeepClone(),
        };
        _store.Tell(new UpdateObject(ResourceTypes.Pods, pod, UpdateScope.Status) { Correlation = new StatusWrite() }, Self);
    }

    private const int MaxStatusWritesInFlight = 8;

    /// <summary>
    /// A status write failed: what the store holds is not known, so none of the writes in flight is relied on, and the
    /// status is written again at the kubelet's status sync period (10 s), as its status manager retries.
    /// </summary>
    private void OnStatusWriteFailed(StoreReply reply)
    {
        Log.Debug("Status write of pod {0}/{1} failed: {2}", Namespace, PodName, reply.Error?.Message);
        _statusWrites.Clear();
        _rewriteStatus = true;
        Timers.StartSingleTimer("status-retry", new WriteStatus(), StatusSyncPeriod);
    }

    private static readonly TimeSpan StatusSyncPeriod = TimeSpan.FromSeconds(10);

    private string Phase()
    {
        if (_terminalPhase is { } terminal)
        {
            return terminal;
        }
        if (_failed)
        {
            return "Failed";
        }
        if (!InitDone)
        {
            return "Pending";
        }
        if (_app.All(c => c.Current is { IsRunning: false } run && !ShouldRestart(c, run.ExitCode ?? 0)))
        {
            return _app.All(c => c.Current!.ExitCode == 0) ? "Succeeded" : "Failed";
        }
        return _app.Any(c => c.Current is not null) ? "Running" : "Pending";
    }

    private static readonly string[] ConditionOrder = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];

    private JsonObject BuildStatus()
    {
        var now = Now;
        var phase = Phase();
        var conditions = new JsonObject { ["conditions"] = (_written?["conditions"] as JsonArray)?.DeepClone() ?? new JsonArray() };
        var terminal = phase is "Succeeded" or "Failed";
        Conditions.Set(conditions, "PodReadyToStartContainers", terminal ? "False" : "True", null, null, now);
        var incomplete = InitDone ? [] : _init.Where(c => !InitComplete(c)).Select(c => c.Name).ToList();
        if (incomplete.Count == 0 || phase == "Succeeded")
        {
            Conditions.Set(conditions, "Initialized", "True", null, null, now);
        }
        else
        {
            Conditions.Set(conditions, "Initialized", "False", "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(' ', incomplete)}]", now);
        }
        var unready = _app.Where(c => !c.Ready).Select(c => c.Name).ToList();
        foreach (var type in new[] { "Ready", "ContainersReady" })
        {
            if (terminal)
            {
                Conditions.Set(conditions, type, "False", "PodCompleted", null, now);
            }
            else if (unready.Count == 0)
            {
                Conditions.Set(conditions, type, "True", null, null, now);
            }
            else
            {
                Conditions.Set(conditions, type, "False", "ContainersNotReady", $"containers with unready status: [{string.Join(' ', unready)}]", now);
            }
        }
        if (Conditions.Find(conditions, "PodScheduled") is null)
        {
            Conditions.Set(conditions, "PodScheduled", "True", null, null, now);
        }
        // kubelet's order: PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled, then others.
        var list = (JsonArray)conditions["conditions"]!;
        var ordered = list.OfType<JsonObject>()
            .OrderBy(c => Array.IndexOf(ConditionOrder, JsonTree.GetString(c, "type")) is var i && i < 0 ? ConditionOrder.Length : i).ToList();
        // Cleared, the conditions have no parent: they move into the sorted list instead of being copied again.
        list.Clear();
        var sorted = new JsonArray();
        foreach (var condition in ordered)
        {
            sorted.Add(condition);
        }
        var status = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = sorted,
            ["hostIP"] = _node.InternalIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = _node.InternalIp }),
            ["podIP"] = _record.PodIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = _record.PodIp }),
            ["startTime"] = Rfc3339Time.Format(_record.StartTime),
        };
        if (_init.Count > 0)
        {
            status["initContainerStatuses"] = new JsonArray(_init.Select(c => (JsonNode)ContainerStatus(c)).ToArray());
        }
        status["containerStatuses"] = new JsonArray(_app.Select(c => (JsonNode)ContainerStatus(c)).ToArray());
        if (_ephemeral.Count > 0)
        {
            status["ephemeralContainerStatuses"] = new JsonArray(_ephemeral.Select(c => (JsonNode)ContainerStatus(c)).ToArray());
        }
        if (_pod.Status?["qosClass"] is { } qos)
        {
            status["qosClass"] = qos.DeepClone();
        }
        return status;
    }

    private JsonObject ContainerStatus(Container c)
    {
        var status = new JsonObject
        {
            ["name"] = c.Name,
            ["state"] = State(c),
            ["lastState"] = LastState(c),
            ["ready"] = c.Ready && c.Current is { IsRunning: true } && !c.Ephemeral,
            ["restartCount"] = c.RestartCount,
            ["image"] = c.Spec.Image,
            ["imageID"] = c.Pulled ? ImageId(c.Spec.Image) : "",
        };
        if ((c.Current ?? c.Previous) is { } run && c.Current is not null)
        {
            status["containerID"] = run.ContainerId;
        }
        status["started"] = c.Current is { IsRunning: true } && c.Started;
        return status;
    }

    private JsonObject State(Container c)
    {
        if (c.Waiting is { } waiting)
        {
            var w = new JsonObject { ["reason"] = waiting.Reason };
            if (waiting.Message is { } message)
            {
                w["message"] = message;
            }
            return new JsonObject { ["waiting"] = w };
        }
        if (c.Current is { IsRunning: true } running)
        {
            return new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Rfc3339Time.Format(running.StartedAt) } };
        }
        if (c.Current is { } ended)
        {
            return new JsonObject { ["terminated"] = Terminated(ended) };
        }
        var reason = c.Init || !InitDone ? "PodInitializing" : "ContainerCreating";
        return new JsonObject { ["waiting"] = new JsonObject { ["reason"] = reason } };
    }

    private static JsonObject LastState(Container c)
    {
        var last = c.Waiting is not null && c.Current is { IsRunning: false } ended ? ended : c.Previous;
        return last is null ? [] : new JsonObject { ["terminated"] = Terminated(last) };
    }

    private static JsonObject Terminated(ContainerRun run) => new()
    {
        ["exitCode"] = run.ExitCode ?? 0,
        ["reason"] = run.Reason ?? "Completed",
        ["startedAt"] = Rfc3339Time.Format(run.StartedAt),
        ["finishedAt"] = Rfc3339Time.Format(run.FinishedAt ?? run.StartedAt),
        ["containerID"] = run.ContainerId,
    };

    // ---- Logs ---------------------------------------------------------------------------------------------------

    /// <summary>Answers <c>kubectl logs</c>: the lines of the current (or previous) run, recomputed from the run's start time.</summary>
    private ContainerLogReply ReadLog(ReadContainerLog read)
    {
        var name = read.Container ?? _app.FirstOrDefault()?.Name ?? "";
        if (Find(name) is not { } c)
        {
            return new ContainerLogReply(null, ApiStatus.BadRequest($"container {name} is not valid for pod {PodName}"));
        }
        var crashLooping = c.Waiting is not null && c.Current is { IsRunning: false };
        var run = read.Previous ? (crashLooping ? c.Current : c.Previous) : c.Current;
        if (run is null)
        {
            return new ContainerLogReply(null, ApiStatus.BadRequest(read.Previous
                ? $"previous terminated container \"{name}\" in pod \"{PodName}\" not found"
                : $"container \"{name}\" in pod \"{PodName}\" is waiting to start: {c.Waiting?.Reason ?? "ContainerCreating"}"));
        }
        var script = run == c.Current ? c.Script : c.PreviousScript ?? c.Script;
        var lines = script.LinesUntil((run.FinishedAt ?? Now) - run.StartedAt)
            .Select(l => read.Timestamps ? $"{FormatNano(run.StartedAt + l.At)} {l.Text}" : l.Text)
            .ToList();
        if (run == c.Current && c.Logged.Length > 0)
        {
            // What an interactive main process wrote (a terminal's CR LF read as one line end).
            lines.AddRange(c.Logged.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'));
        }
        var total = lines.Count;
        if (read.TailLines is { } tail && tail >= 0 && lines.Count > tail)
        {
            lines = lines.Skip(lines.Count - tail).ToList();
        }
        var text = lines.Count == 0 ? "" : string.Join('\n', lines) + "\n";
        return new ContainerLogReply(text, null) { Running = run.IsRunning, TotalLines = total };
    }

    private static string FormatNano(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";
}
