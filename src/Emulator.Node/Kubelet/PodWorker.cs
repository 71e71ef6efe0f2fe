using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Events;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Node.Containers;
using Emulator.Node.Hosting;
using Emulator.Node.Network;
using Emulator.Runtime.Actors;

namespace Emulator.Node.Kubelet;

/// <summary>The kubelet saw a new version of the pod (spec, annotations, deletion).</summary>
public sealed record PodChanged(KubeObject Pod);

/// <summary>The kubelet saw a new version of the pod that changed its status only (unparsed: see <see cref="StoredObject.IsPodStatusChangeOf"/>).</summary>
public sealed record PodStatusChanged(StoredObject Pod);

/// <summary>
/// Runs one pod on an emulated node, as the kubelet's pod worker does: pulls images, runs the init containers one by one
/// and then the app containers, restarts them under the pod's restartPolicy with the crash-loop back-off, runs the
/// probes, writes the pod status (only when it changed), and on deletion stops the containers within the grace period
/// and removes the pod object. Everything runs on the emulated clock; an idle running pod holds no timers.
/// </summary>
public sealed partial class PodWorker : EmulatedActor
{
    /// <summary>First crash-loop / image-pull back-off.</summary>
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(10);

    /// <summary>Back-off cap.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(300);

    /// <summary>A container running this long without failing has its back-off reset.</summary>
    public static readonly TimeSpan BackoffReset = TimeSpan.FromMinutes(10);

    private const string AnnotationPrefix = "emulator.k8s.io/";
    private readonly NodeOptions _node;
    private readonly IActorRef _kubelet;
    private readonly IActorRef _store;
    private readonly IActorRef _events;
    private readonly PodRecord _record;
    private readonly List<Container> _init = [];
    private readonly List<Container> _app = [];
    private readonly List<Container> _ephemeral = [];
    private readonly Func<ContainerView, ContainerNetwork> _networkOf;
    private readonly Func<ContainerView, KubeObject, (IReadOnlyList<KeyValuePair<string, string>> Env, string? Error)> _environmentOf;
    private KubeObject _pod;
    private JsonObject? _written;
    // The statuses written whose versions have not come back yet, oldest first, with their JSON as the store serializes
    // it: the worker's own writes are recognised when they come back.
    private readonly List<(JsonObject Status, byte[] Json)> _statusWrites = [];
    // The next write goes out even if the status has not changed since the last one: that one failed.
    private bool _rewriteStatus;
    private bool _writeScheduled;
    private bool _failed;
    private bool _initialized;
    private bool _terminating;
    private bool _deleteSent;
    private int _nextRunId;

    /// <summary>Creates the worker of <paramref name="stored"/>, adopting what <paramref name="record"/> says already runs.</summary>
    public PodWorker(NodeOptions node, StoredObject stored, PodRecord record, IActorRef kubelet, IActorRef store, IActorRef events)
    {
        var pod = new KubeObject(stored.ToJsonObject());
        _node = node;
        _pod = pod;
        _record = record;
        _kubelet = kubelet;
        _store = store;
        _events = events;
        _written = pod.Status;
        var view = new PodView(pod);
        // The Services of the namespace as the cluster DNS last saw them: the ones that exist as the containers start.
        var zone = ClusterNetwork.Get(Context.System).Dns.Current;
        var services = zone.ServiceLinks(record.Namespace);
        var kubernetes = zone.ServiceLinks("default").FirstOrDefault(s => s.Name == "kubernetes");
        var network = ClusterNetwork.Get(Context.System);
        var hostname = Hostname(pod);
        var resolvConf = PodNetworkFiles.ResolvConf(pod, node.InternalIp[..(node.InternalIp.LastIndexOf('.') + 1)] + "1", network.DnsServiceIp);
        var hosts = PodNetworkFiles.Hosts(pod, record.PodIp, hostname);
        ContainerNetwork NetworkOf(ContainerView spec) => new(spec.Image, record.PodIp, node.Name, hostname, resolvConf, hosts, network);
        _networkOf = NetworkOf;
        _environmentOf = (spec, current) => Environment(spec, current, _sources, services, kubernetes, node);
        foreach (var spec in view.InitContainers)
        {
            _init.Add(new Container(spec, true, record.Containers.GetValueOrDefault(spec.Name), _environmentOf(spec, pod).Env, NetworkOf(spec)));
        }
        foreach (var spec in view.Containers)
        {
            _app.Add(new Container(spec, false, record.Containers.GetValueOrDefault(spec.Name), _environmentOf(spec, pod).Env, NetworkOf(spec)));
        }
        AddEphemeralContainers(pod, record);
    }

    /// <summary>Takes on the ephemeral containers the pod's spec gained (they are only ever added).</summary>
    private void AddEphemeralContainers(KubeObject pod, PodRecord record)
    {
        foreach (var json in JsonTree.Objects(JsonTree.GetArray(pod.Document, "spec", "ephemeralContainers")))
        {
            var spec = new ContainerView(json);
            if (_ephemeral.All(c => c.Name != spec.Name))
            {
                var container = new Container(spec, false, record.Containers.GetValueOrDefault(spec.Name), _environmentOf(spec, pod).Env, _networkOf(spec)) { Ephemeral = true };
                _ephemeral.Add(container);
                UpdateFiles(container);
            }
        }
    }

    private string PodName => _record.Name;

    private string Namespace => _record.Namespace;

    private DateTimeOffset Now => Clock.UtcNow;

    private IEnumerable<Container> All => _init.Concat(_app).Concat(_ephemeral);

    private sealed record WriteStatus;

    // Marks a status write's reply.
    private sealed record StatusWrite;

    private sealed record PullDone(string Container, int Attempt);

    private sealed record PullBackOff(string Container, int Attempt);

    private sealed record RetryPull(string Container, int Attempt);

    private sealed record Exited(string Container, int RunId);

    /// <summary>The moment of a container's next network command has come (see <see cref="ContainerScript.PendingAt"/>).</summary>
    private sealed record NetworkCommandDue(string Container, int RunId);

    private sealed record Restart(string Container, int Attempt);

    private sealed record ProbeNow(string Container, string Kind, int RunId);

    private sealed record TerminationDone;

    /// <inheritdoc />
    protected override void PreStart()
    {
        // The ConfigMaps and Secrets the pod refers to are read before anything starts or is adopted: a running
        // container's environment and files come from them.
        if (PodConfigSources.References(_pod, _tokens is not null).Count > 0)
        {
            ReadSources();
            Become(ReadingSources);
            return;
        }
        Begin();
    }

    /// <summary>Adopts what already runs, then starts what should run (or terminates).</summary>
    private void Begin()
    {
        Adopt();
        if (_pod.DeletionTimestamp is not null)
        {
            BeginTermination();
        }
        else
        {
            Step();
        }
        ScheduleWrite();
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case PodChanged changed:
                OnPodChanged(changed.Pod);
                break;
            case PodStatusChanged changed:
                OnPodStatusChanged(changed.Pod);
                break;
            case PullDecision decision:
                OnPullDecision(decision);
                break;
            case PullDone done:
                OnPullDone(done);
                break;
            case PullBackOff backOff when Find(backOff.Container) is { } c && c.PullAttempt == backOff.Attempt && !_terminating:
                c.Waiting = ("ImagePullBackOff", $"Back-off pulling image \"{c.Spec.Image}\"");
                Event(c, "Normal", "BackOff", $"Back-off pulling image \"{c.Spec.Image}\"");
                Timers.StartSingleTimer(("pull", c.Name), new RetryPull(c.Name, c.PullAttempt), c.NextPullBackoff);
                c.NextPullBackoff = Double(c.NextPullBackoff);
                ScheduleWrite();
                break;
            case RetryPull retry when Find(retry.Container) is { } c && c.PullAttempt == retry.Attempt && !_terminating:
                c.Pulling = false;
                RequestPull(c);
                break;
            case Exited exited when Find(exited.Container) is { } c && c.Run?.RunId == exited.RunId && c.Current is { IsRunning: true }:
                var code = c.Script.ExitCode;
                // The process ended at its own time, even when this kubelet only learns it later (after a restart).
                var endedAt = c.Current.StartedAt + c.Script.ExitAt!.Value;
                Finish(c, code, code == 0 ? "Completed" : "Error", endedAt < Now ? endedAt : Now);
                AfterExit(c);
                break;
            case NetworkCommandDue due when Find(due.Container) is { } c && c.Run?.RunId == due.RunId && c.Current is { IsRunning: true } && !_terminating:
                ScheduleExit(c, c.Current.StartedAt);
                PublishListeners();
                break;
            case Restart restart when Find(restart.Container) is { } c && c.RestartAttempt == restart.Attempt && !_terminating:
                c.Waiting = null;
                StartContainer(c, restarting: true);
                break;
            case ProbeNow probe when Find(probe.Container) is { } c && c.Run?.RunId == probe.RunId && c.Current is { IsRunning: true } && !_terminating:
                RunProbe(c, probe.Kind);
                break;
            case TerminationDone:
                CompleteTermination();
                break;
            case WriteStatus:
                _writeScheduled = false;
                Write();
                break;
            case ReadContainerLog read:
                Sender.Tell(ReadLog(read), Self);
                break;
            case OpenPodConnection connection:
                OnOpenConnection(connection);
                break;
            case OpenContainerStream open:
                OpenStream(open);
                break;
            case ProcessExited exited:
                OnProcessExited(exited);
                break;
            case ProcessLogged logged:
                if (Find(logged.Container) is { } loggedBy && loggedBy.Run?.RunId == logged.RunId)
                {
                    loggedBy.Logged.Append(logged.Text);
                }
                break;
            case CloseContainerStream close:
                Detach(close.Client);
                break;
            case Terminated terminated:
                Detach(terminated.ActorRef);
                break;
            case ContainerStdin or ContainerStdinClosed or TerminalResize:
                // A client attached to a process that reads no input.
                break;
            case StoreReply { Correlation: SourceRead read } reply:
                OnSourceRead(read, reply);
                break;
            case RetryMount or RefreshSources:
                ReadSources();
                break;
            case SourcesTimeout timeout:
                OnSourcesTimeout(timeout);
                break;
            case RetryConfig retry when Find(retry.Container) is { Waiting.Reason: "CreateContainerConfigError" } c && !_terminating:
                c.ConfigRetryDue = true;
                ReadSources();
                break;
            case StoreReply { Correlation: StatusWrite } reply when !reply.IsSuccess:
                OnStatusWriteFailed(reply);
                break;
            case StoreReply:
                break;
            default:
                // Stale timers of earlier runs land here and are dropped.
                if (message is not (PullBackOff or RetryPull or Exited or Restart or ProbeNow or RetryConfig or RetryMount or RefreshSources))
                {
                    Unhandled(message);
                }
                break;
        }
    }

    private Container? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    /// <summary>
    /// A version that changed only the status. When the status is one this worker wrote, byte for byte (its own write
    /// come back), nothing else changed: the pod's status is brought up to date when it is the last write, and an
    /// earlier write is simply passed (the later one is on its way). Otherwise someone else changed the status, and the
    /// version is read as any other (the kubelet's status is written back).
    /// </summary>
    private void OnPodStatusChanged(StoredObject stored)
    {
        var written = _statusWrites.FindIndex(w => stored.HasPodStatus(w.Json));
        if (written < 0)
        {
            OnPodChanged(new KubeObject(stored.ToJsonObject()));
            return;
        }
        if (written == _statusWrites.Count - 1)
        {
            // The pod takes the written status itself: statuses are never changed once built, and a worker keeps one
            // copy of its status instead of two (ten thousand workers keep ten thousand).
            var status = _statusWrites[written].Status;
            _pod.Document["status"] = status.Parent is null ? status : status.DeepClone();
        }
        _statusWrites.RemoveRange(0, written + 1);
    }

    private void OnPodChanged(KubeObject pod)
    {
        var annotationsChanged = !JsonTree.DeepEquals(JsonTree.Get(_pod.Document, "metadata", "annotations"), JsonTree.Get(pod.Document, "metadata", "annotations"));
        _pod = pod;
        var ephemeralBefore = _ephemeral.Count;
        AddEphemeralContainers(pod, _record);
        if (_ephemeral.Count > ephemeralBefore && !_terminating)
        {
            Step();
        }
        // What the store holds is what a write is compared with: a status someone else changed is written back.
        _written = pod.Status;
        _statusWrites.Clear();
        if (pod.DeletionTimestamp is not null && !_terminating)
        {
            BeginTermination();
        }
        else if (annotationsChanged && !_terminating)
        {
            // Probe outcomes come from annotations: probes that settled run again.
            foreach (var c in All.Where(c => c.Current is { IsRunning: true }))
            {
                StartProbes(c, rearm: true);
            }
        }
        ScheduleWrite();
    }

    /// <summary>Takes over what the journal says already ran: running containers keep running (same start time, same restart count).</summary>
    private void Adopt()
    {
        _initialized = _app.Any(c => c.Current is not null);
        foreach (var c in All)
        {
            if (c.Current is not { } current)
            {
                continue;
            }
            c.Pulled = true;
            c.Run = new RunState(++_nextRunId);
            if (current.IsRunning)
            {
                // The process keeps the environment it started with, as far as the sources still say it.
                c.SetEnvironment(_environmentOf(c.Spec, _pod).Env);
                c.Started = true;
                PublishListeners();
                StartProcess(c);
                ScheduleExit(c, current.StartedAt);
                StartProbes(c, rearm: false);
            }
            else if (!c.Init || current.ExitCode != 0)
            {
                // It had ended; restart it (after its back-off) if the policy says so.
                c.Backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, InitialBackoff.Ticks << Math.Min(c.RestartCount, 5)));
                var due = current.FinishedAt!.Value + c.Backoff - Now;
                if (ShouldRestart(c, current.ExitCode ?? 0))
                {
                    BackOffRestart(c, due, announce: false);
                }
                else if (c.Init)
                {
                    _failed = true;
                }
            }
        }
    }

    /// <summary>Level-triggered: starts what should run now (the next init container, or the app containers).</summary>
    private void Step()
    {
        if (_terminating || _failed || !VolumesReady())
        {
            return;
        }
        foreach (var c in _init)
        {
            if (InitDone)
            {
                break;
            }
            if (InitComplete(c))
            {
                continue;
            }
            if (c.Current is null && !c.Pulling && c.Waiting is null)
            {
                StartContainer(c, restarting: false);
            }
            return;
        }
        foreach (var c in _app.Concat(_ephemeral))
        {
            if (c.Current is null && !c.Pulling && c.Waiting is not { Reason: "ImagePullBackOff" or "ErrImagePull" or "CreateContainerConfigError" })
            {
                StartContainer(c, restarting: false);
            }
        }
    }

    /// <summary>
    /// True once every init container completed (a sidecar — an init container with restartPolicy Always — counts
    /// once started). Latched: a sidecar that crashes later does not un-initialize the pod.
    /// </summary>
    private bool InitDone => _initialized || (_initialized = _init.All(InitComplete));

    private static bool IsSidecar(Container c) => c.Init && c.Spec.RestartPolicy == "Always";

    private static bool InitComplete(Container c) =>
        IsSidecar(c) ? c.Current is { IsRunning: true } && c.Started : c.Current is { IsRunning: false, ExitCode: 0 };

    private void StartContainer(Container c, bool restarting)
    {
        if (restarting)
        {
            c.RestartCount++;
            c.Previous = c.Current;
            c.Current = null;
            c.Ready = false;
            c.Started = false;
        }
        c.Waiting = ("ContainerCreating", null);
        RequestPull(c);
        ScheduleWrite();
    }

    private void RequestPull(Container c)
    {
        if (c.Pulling)
        {
            return;
        }
        c.Pulling = true;
        c.PullAttempt++;
        _kubelet.Tell(new PullImage(c.Name, c.Spec.Image, PullPolicy(c.Spec)), Self);
    }

    /// <summary>imagePullPolicy as defaulted: Always for <c>:latest</c> or no tag, else IfNotPresent.</summary>
    private static string PullPolicy(ContainerView spec)
    {
        if (spec.ImagePullPolicy is { Length: > 0 } policy)
        {
            return policy;
        }
        var image = spec.Image;
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var tagged = lastSegment.Contains(':') && !lastSegment.EndsWith(":latest", StringComparison.Ordinal);
        return tagged || image.Contains('@') ? "IfNotPresent" : "Always";
    }

    private void OnPullDecision(PullDecision decision)
    {
        if (Find(decision.Container) is not { Pulling: true } c || _terminating)
        {
            return;
        }
        // Never: the emulator has no image to load by hand, so an image with pull policy Never counts as present.
        if (decision.Present || PullPolicy(c.Spec) == "Never")
        {
            Event(c, "Normal", "Pulled", $"Container image \"{c.Spec.Image}\" already present on machine");
            c.Pulling = false;
            Run(c);
            return;
        }
        Event(c, "Normal", "Pulling", $"Pulling image \"{c.Spec.Image}\"");
        c.PullStarted = Now;
        if (_node.ImagePullDelay <= TimeSpan.Zero)
        {
            Self.Tell(new PullDone(c.Name, c.PullAttempt), Self);
        }
        else
        {
            Timers.StartSingleTimer(("pull", c.Name), new PullDone(c.Name, c.PullAttempt), _node.ImagePullDelay);
        }
    }

    private void OnPullDone(PullDone done)
    {
        if (Find(done.Container) is not { Pulling: true } c || c.PullAttempt != done.Attempt || _terminating)
        {
            return;
        }
        c.Pulling = false;
        if (PullFails(c))
        {
            // The registry refused: ErrImagePull now, ImagePullBackOff while waiting for the next attempt (10 s doubling).
            var reason = $"failed to pull and unpack image \"{QualifiedImage(c.Spec.Image)}\": failed to resolve reference \"{QualifiedImage(c.Spec.Image)}\": {QualifiedImage(c.Spec.Image)}: not found";
            c.Waiting = ("ErrImagePull", reason);
            Event(c, "Warning", "Failed", $"Failed to pull image \"{c.Spec.Image}\": {reason}");
            Event(c, "Warning", "Failed", "Error: ErrImagePull");
            Timers.StartSingleTimer(("pull", c.Name), new PullBackOff(c.Name, c.PullAttempt), TimeSpan.FromSeconds(1));
            ScheduleWrite();
            return;
        }
        c.NextPullBackoff = InitialBackoff;
        _kubelet.Tell(new ImagePulled(c.Spec.Image), Self);
        var took = FormatDuration(Now - c.PullStarted);
        Event(c, "Normal", "Pulled", $"Successfully pulled image \"{c.Spec.Image}\" in {took} ({took} including waiting). Image size: {ImageSize(c.Spec.Image)} bytes.");
        Run(c);
    }

    private bool PullFails(Container c) =>
        c.Spec.Image.Contains(":fail-pull", StringComparison.Ordinal)
        || _pod.Annotations.GetValueOrDefault(AnnotationPrefix + "fail-pull") == "true";

    /// <summary>Creates and starts the container process.</summary>
    private void Run(Container c)
    {
        c.Pulled = true;
        if (!CreateConfig(c))
        {
            return;
        }
        c.Waiting = null;
        var id = "containerd://" + Hash($"{_record.PodUid}/{c.Name}/{c.RestartCount}");
        c.Current = new ContainerRun(id, Now);
        c.BeginRun();
        c.Run = new RunState(++_nextRunId);
        c.Started = false;
        c.Ready = false;
        Event(c, "Normal", "Created", $"Created container: {c.Name}");
        Event(c, "Normal", "Started", $"Started container {c.Name}");
        Record(c);
        PublishListeners();
        StartProcess(c);
        ScheduleExit(c, c.Current.StartedAt);
        StartProbes(c, rearm: false);
        ScheduleRefresh();
        ScheduleWrite();
        // A started sidecar lets the next init container (or the app containers) start.
        Step();
    }

    private void ScheduleExit(Container c, DateTimeOffset startedAt)
    {
        // The process goes on as far as the clock allows: its network commands run at their moment, one after another.
        c.Interpret(Now - startedAt);
        if (c.Script.PendingAt is { } pending)
        {
            var wait = startedAt + pending - Now;
            Timers.StartSingleTimer(("exit", c.Name), new NetworkCommandDue(c.Name, c.Run!.RunId), wait <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : wait);
            return;
        }
        if (c.Script.ExitAt is { } exitAt)
        {
            var due = startedAt + exitAt - Now;
            if (due <= TimeSpan.Zero)
            {
                Self.Tell(new Exited(c.Name, c.Run!.RunId), Self);
            }
            else
            {
                Timers.StartSingleTimer(("exit", c.Name), new Exited(c.Name, c.Run!.RunId), due);
            }
        }
    }

    private void Finish(Container c, int exitCode, string reason, DateTimeOffset? at = null)
    {
        if (c.Current is not { IsRunning: true } current)
        {
            return;
        }
        Timers.Cancel(("exit", c.Name));
        CancelProbes(c);
        EndStreams(c);
        c.Current = current with { FinishedAt = at ?? Now, ExitCode = exitCode, Reason = reason };
        c.Ready = false;
        Record(c);
        PublishListeners();
        ScheduleWrite();
    }

    /// <summary>After an exit: restart under the restart policy, or move on (next init container, pod phase).</summary>
    private void AfterExit(Container c)
    {
        var exit = c.Current!.ExitCode ?? 0;
        if (c.Init && !IsSidecar(c) && exit == 0)
        {
            c.Backoff = TimeSpan.Zero;
            Step();
            return;
        }
        if (!ShouldRestart(c, exit))
        {
            if (c.Init)
            {
                // An init container failed under restartPolicy Never: the pod fails.
                _failed = true;
            }
            return;
        }
        var ran = c.Current.FinishedAt!.Value - c.Current.StartedAt;
        if (ran >= BackoffReset || c.Backoff == TimeSpan.Zero)
        {
            c.Backoff = InitialBackoff;
        }
        BackOffRestart(c, c.Current.FinishedAt!.Value + c.Backoff - Now, announce: true);
        c.Backoff = Double(c.Backoff);
    }

    private bool ShouldRestart(Container c, int exitCode)
    {
        var policy = new PodView(_pod).RestartPolicy;
        if (c.Ephemeral)
        {
            // Ephemeral containers are never restarted.
            return false;
        }
        if (IsSidecar(c))
        {
            // A sidecar restarts whatever its exit, for as long as the pod runs.
            return true;
        }
        if (c.Init)
        {
            // Init containers are retried unless the pod never restarts.
            return exitCode != 0 && policy != "Never";
        }
        return policy == "Always" || (policy == "OnFailure" && exitCode != 0);
    }

    private void BackOffRestart(Container c, TimeSpan delay, bool announce)
    {
        c.RestartAttempt++;
        var shown = c.Backoff == TimeSpan.Zero ? InitialBackoff : c.Backoff;
        c.Waiting = ("CrashLoopBackOff", $"back-off {FormatDuration(shown)} restarting failed container={c.Name} pod={PodName}_{Namespace}({_record.PodUid})");
        if (announce)
        {
            Event(c, "Warning", "BackOff", $"Back-off restarting failed container {c.Name} in pod {PodName}_{Namespace}({_record.PodUid})");
        }
        if (delay <= TimeSpan.Zero)
        {
            Self.Tell(new Restart(c.Name, c.RestartAttempt), Self);
        }
        else
        {
            Timers.StartSingleTimer(("restart", c.Name), new Restart(c.Name, c.RestartAttempt), delay);
        }
        ScheduleWrite();
    }

    private void Record(Container c) =>
        _kubelet.Tell(new ContainerRecorded(_record.PodUid, new ContainerRecord(c.Name, c.Init, c.RestartCount, c.Current, c.Previous)), Self);

    private void Event(Container c, string type, string reason, string message) =>
        _events.Tell(new RecordEvent(InvolvedObject.Of(_pod, $"spec.{(c.Init ? "initContainers" : c.Ephemeral ? "ephemeralContainers" : "containers")}{{{c.Name}}}"), type, reason, message, "kubelet", _node.Name), Self);

    private void PodEvent(string type, string reason, string message) =>
        _events.Tell(new RecordEvent(InvolvedObject.Of(_pod), type, reason, message, "kubelet", _node.Name), Self);

    private static TimeSpan Double(TimeSpan backoff) =>
        backoff == TimeSpan.Zero ? InitialBackoff : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));

    /// <summary>Go's duration format as the kubelet prints it (<c>10s</c>, <c>2m40s</c>, <c>1.5s</c>, <c>0s</c>).</summary>
    internal static string FormatDuration(TimeSpan d)
    {
        if (d <= TimeSpan.Zero)
        {
            return "0s";
        }
        if (d < TimeSpan.FromSeconds(1))
        {
            return $"{d.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms";
        }
        var text = new StringBuilder();
        if (d.TotalHours >= 1)
        {
            text.Append((int)d.TotalHours).Append('h');
        }
        if (d.TotalMinutes >= 1)
        {
            text.Append(d.Minutes).Append('m');
        }
        var seconds = d.Seconds + (d.Milliseconds / 1000.0);
        text.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
        return text.ToString();
    }

    private static string QualifiedImage(string image)
    {
        var name = image.Contains('/') ? image : "library/" + image;
        var firstSegment = name[..name.IndexOf('/')];
        name = firstSegment.Contains('.') || firstSegment.Contains(':') || firstSegment == "localhost" ? name : "docker.io/" + name;
        var lastSegment = name[(name.LastIndexOf('/') + 1)..];
        return lastSegment.Contains(':') || name.Contains('@') ? name : name + ":latest";
    }

    private static long ImageSize(string image) => 10_000_000 + (BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(image)), 0) % 90_000_000);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string ImageId(string image)
    {
        var qualified = QualifiedImage(image);
        var repository = qualified.Contains('@') ? qualified[..qualified.IndexOf('@')] : qualified[..qualified.LastIndexOf(':')];
        return $"{repository}@sha256:{Hash(qualified)}";
    }

    /// <summary>The kubelet's state of one container of the pod.</summary>
    private sealed class Container(ContainerView spec, bool init, ContainerRecord? record, IReadOnlyList<KeyValuePair<string, string>> env, ContainerNetwork network)
    {
        public ContainerView Spec { get; } = spec;

        public IReadOnlyList<KeyValuePair<string, string>> Env { get; private set; } = env;

        /// <summary>The command with the kubelet's <c>$(VAR)</c> references to the environment expanded.</summary>
        public IReadOnlyList<string> Command { get; private set; } = ExpandAll(spec.Command, env);

        /// <summary>The args, expanded likewise.</summary>
        public IReadOnlyList<string> Args { get; private set; } = ExpandAll(spec.Args, env);

        /// <summary>The environment the next run starts with (resolved when it is created).</summary>
        public void SetEnvironment(IReadOnlyList<KeyValuePair<string, string>> env)
        {
            Env = env;
            Command = ExpandAll(Spec.Command, env);
            Args = ExpandAll(Spec.Args, env);
        }

        private static IReadOnlyList<string> ExpandAll(IReadOnlyList<string> words, IReadOnlyList<KeyValuePair<string, string>> env)
        {
            if (!words.Any(w => w.Contains('$', StringComparison.Ordinal)))
            {
                return words;
            }
            var values = env.GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
            return words.Select(w => Expand(w, values.GetValueOrDefault)).ToList();
        }

        /// <summary>The interactive main process of the current run (a shell reading its stdin), when the container has one.</summary>
        public IActorRef? Process { get; set; }

        /// <summary>Clients attached to a main process that reads no input: they are told when the container ends.</summary>
        public List<IActorRef> Attached { get; } = [];

        /// <summary>What the interactive main process of the current run wrote (its log).</summary>
        public StringBuilder Logged { get; } = new();

        public string Name => Spec.Name;

        public bool Init { get; } = init;

        /// <summary>An ephemeral container (<c>kubectl debug</c>): never restarted, never ready, no part of the pod's phase.</summary>
        public bool Ephemeral { get; init; }

        public ContainerNetwork Network { get; } = network;

        /// <summary>What the current run's process does, as far as it is known (see <see cref="ContainerScript.PendingAt"/>).</summary>
        public ContainerScript Script { get; private set; } = ContainerScript.Interpret(ExpandAll(spec.Command, env), ExpandAll(spec.Args, env), env, network, [], TimeSpan.FromTicks(-1));

        /// <summary>What the previous run's process did (its logs).</summary>
        public ContainerScript? PreviousScript { get; private set; }

        /// <summary>The answers of the network commands the current run's process has run, in order.</summary>
        private List<(IReadOnlyList<string> Output, int Exit)> NetworkResults { get; set; } = [];

        /// <summary>A new run: its process starts over, its network commands run again.</summary>
        public void BeginRun()
        {
            PreviousScript = Script;
            NetworkResults = [];
            Script = ContainerScript.Interpret(Command, Args, Env, Network, NetworkResults, TimeSpan.FromTicks(-1));
        }

        /// <summary>Interprets the current run's process up to <paramref name="elapsed"/> after its start.</summary>
        public void Interpret(TimeSpan elapsed) =>
            Script = ContainerScript.Interpret(Command, Args, Env, Network, NetworkResults, elapsed);

        public int RestartCount { get; set; } = record?.RestartCount ?? 0;

        public ContainerRun? Current { get; set; } = record?.Current;

        public ContainerRun? Previous { get; set; } = record?.Previous;

        public RunState? Run { get; set; }

        public (string Reason, string? Message)? Waiting { get; set; }

        public bool Pulling { get; set; }

        public bool Pulled { get; set; }

        public int PullAttempt { get; set; }

        public DateTimeOffset PullStarted { get; set; }

        public TimeSpan NextPullBackoff { get; set; } = InitialBackoff;

        public int RestartAttempt { get; set; }

        public TimeSpan Backoff { get; set; }

        public bool Started { get; set; }

        public bool Ready { get; set; }

        /// <summary>Its creation failed on its configuration, and the retry's fresh read of the sources is under way.</summary>
        public bool ConfigRetryDue { get; set; }
    }

    /// <summary>Per-run probe counters (a restart starts them afresh).</summary>
    private sealed class RunState(int runId)
    {
        public int RunId { get; } = runId;

        public int Successes { get; set; }

        public int ReadinessFailures { get; set; }

        public int ReadinessSuccesses { get; set; }

        public int LivenessFailures { get; set; }

        public int StartupFailures { get; set; }
    }
}
