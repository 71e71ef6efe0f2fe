using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Runtime.Actors;

namespace Emulator.ControlPlane.Metrics;

/// <summary>
/// Asks the metrics server for the latest resource metrics; replies <see cref="ResourceMetrics"/>.
/// <paramref name="Correlation"/> comes back unchanged on the reply.
/// </summary>
public sealed record ReadResourceMetrics(object? Correlation = null);

/// <summary>
/// The metrics of the last scrape (metrics-server's storage): per node and per pod, keyed by name and by
/// namespace/name. A node whose kubelet could not be scraped, and a pod with a container started less than
/// <see cref="MetricsServer.FreshContainerMinimum"/> ago, have none.
/// </summary>
public sealed record ResourceMetrics(DateTimeOffset ScrapedAt, IReadOnlyDictionary<string, NodeMetricsPoint> Nodes, IReadOnlyDictionary<(string Namespace, string Name), PodMetricsPoint> Pods)
{
    /// <summary>The <see cref="ReadResourceMetrics.Correlation"/> of the request answered.</summary>
    public object? Correlation { get; init; }
}

/// <summary>A node's usage (its pods and system daemons) over <paramref name="Window"/> ending at <paramref name="Timestamp"/>.</summary>
public sealed record NodeMetricsPoint(string Name, DateTimeOffset Timestamp, TimeSpan Window, long CpuNanoCores, long MemoryBytes);

/// <summary>A pod's containers' usage over <paramref name="Window"/> ending at <paramref name="Timestamp"/>.</summary>
public sealed record PodMetricsPoint(string Namespace, string Name, DateTimeOffset Timestamp, TimeSpan Window, IReadOnlyList<ContainerMetricsPoint> Containers);

/// <summary>One container's CPU (nanocores) and memory working set (bytes).</summary>
public sealed record ContainerMetricsPoint(string Name, long CpuNanoCores, long MemoryBytes);

/// <summary>
/// The emulated metrics-server: scrapes the kubelets of the nodes the API knows (<see cref="ReadNodeUsage"/>, through
/// the process's node host) and keeps the last scrape, which the metrics API (<c>kubectl top</c>) and the
/// HorizontalPodAutoscaler controller read. It scrapes on demand rather than on a timer: a read finding the last scrape
/// older than the metric resolution (15 s, as metrics-server is deployed) scrapes again first, so a cluster nobody
/// asks for metrics pays nothing, and what is read is never older than one resolution — as with metrics-server,
/// whose scrape loop runs every resolution. As in metrics-server, a window is the resolution, or the time since the
/// container started when that is shorter, and a container younger than <see cref="FreshContainerMinimum"/> has no
/// metrics yet (nor has its pod).
/// </summary>
public sealed class MetricsServer : EmulatedActor
{
    /// <summary>metrics-server's <c>--metric-resolution</c> in its standard deployment.</summary>
    public static readonly TimeSpan DefaultResolution = TimeSpan.FromSeconds(15);

    /// <summary>How young a container may be and still be reported (metrics-server's <c>freshContainerMinMetricsResolution</c>).</summary>
    public static readonly TimeSpan FreshContainerMinimum = TimeSpan.FromSeconds(10);

    /// <summary>How long a scrape waits for the kubelets (metrics-server's <c>--kubelet-request-timeout</c>).</summary>
    public static readonly TimeSpan KubeletTimeout = TimeSpan.FromSeconds(10);

    private static readonly IReadOnlyDictionary<string, NodeMetricsPoint> NoNodes = new Dictionary<string, NodeMetricsPoint>();
    private static readonly IReadOnlyDictionary<(string, string), PodMetricsPoint> NoPods = new Dictionary<(string, string), PodMetricsPoint>();

    private readonly IActorRef _store;
    private readonly IActorRef? _nodes;
    private readonly TimeSpan _resolution;
    private readonly List<(IActorRef Requester, object? Correlation)> _waiting = [];
    private readonly Dictionary<string, NodeUsage?> _answers = new(StringComparer.Ordinal);
    private ResourceMetrics? _latest;
    private int _round;
    private bool _scraping;

    /// <summary>Creates the metrics server.</summary>
    /// <param name="store">The API store (the nodes to scrape are the Nodes it holds).</param>
    /// <param name="nodes">The host of the emulated nodes, which passes <see cref="ReadNodeUsage"/> to their kubelets; null when this process runs none.</param>
    /// <param name="resolution">How old the last scrape may be before a read scrapes again.</param>
    public MetricsServer(IActorRef store, IActorRef? nodes, TimeSpan? resolution = null)
    {
        _store = store;
        _nodes = nodes;
        _resolution = resolution ?? DefaultResolution;
    }

    private sealed record NodesListed(int Round);

    private sealed record Scraped(int Round);

    private sealed record ScrapeTimedOut(int Round);

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReadResourceMetrics read:
                if (_latest is { } latest && Clock.UtcNow - latest.ScrapedAt < _resolution)
                {
                    Sender.Tell(latest with { Correlation = read.Correlation }, Self);
                    break;
                }
                _waiting.Add((Sender, read.Correlation));
                StartScrape();
                break;
            case ListReply { Correlation: NodesListed listed } nodes when listed.Round == _round:
                ScrapeNodes(nodes.Items.Select(n => n.Name).ToList());
                break;
            case NodeUsage { Correlation: Scraped scraped } usage when scraped.Round == _round && _answers.ContainsKey(usage.NodeName):
                _answers[usage.NodeName] = usage;
                CompleteWhenAnswered();
                break;
            case NodeUsageUnavailable { Correlation: Scraped scraped } unavailable when scraped.Round == _round && _answers.ContainsKey(unavailable.NodeName):
                // metrics-server logs the failed scrape and serves no metrics for that node until a scrape succeeds.
                _answers.Remove(unavailable.NodeName);
                CompleteWhenAnswered();
                break;
            case ScrapeTimedOut timedOut when timedOut.Round == _round && _scraping:
                foreach (var silent in _answers.Where(a => a.Value is null).Select(a => a.Key).ToList())
                {
                    _answers.Remove(silent);
                }
                Complete();
                break;
            case ListReply or NodeUsage or NodeUsageUnavailable or ScrapeTimedOut:
                // A reply to an earlier round.
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void StartScrape()
    {
        if (_scraping)
        {
            return;
        }
        _scraping = true;
        _round++;
        _answers.Clear();
        _store.Tell(new ListObjects(ResourceTypes.Nodes, null) { Correlation = new NodesListed(_round) }, Self);
        Timers.StartSingleTimer("scrape-timeout", new ScrapeTimedOut(_round), KubeletTimeout);
    }

    private void ScrapeNodes(List<string> names)
    {
        if (_nodes is null)
        {
            Complete();
            return;
        }
        foreach (var name in names)
        {
            _answers[name] = null;
        }
        foreach (var name in names)
        {
            _nodes.Tell(new ReadNodeUsage(name, new Scraped(_round)), Self);
        }
        CompleteWhenAnswered();
    }

    private void CompleteWhenAnswered()
    {
        if (_answers.Values.All(a => a is not null))
        {
            Complete();
        }
    }

    /// <summary>Stores what the kubelets answered and answers everyone waiting.</summary>
    private void Complete()
    {
        Timers.Cancel("scrape-timeout");
        _scraping = false;
        var now = Clock.UtcNow;
        var nodes = new Dictionary<string, NodeMetricsPoint>(StringComparer.Ordinal);
        var pods = new Dictionary<(string, string), PodMetricsPoint>();
        foreach (var usage in _answers.Values.OfType<NodeUsage>())
        {
            nodes[usage.NodeName] = new NodeMetricsPoint(usage.NodeName, usage.Timestamp, _resolution, usage.CpuNanoCores, usage.MemoryBytes);
            foreach (var pod in usage.Pods)
            {
                if (PodPoint(pod, usage.Timestamp) is { } point)
                {
                    pods[(pod.Namespace, pod.Name)] = point;
                }
            }
        }
        _latest = new ResourceMetrics(now, nodes.Count == 0 ? NoNodes : nodes, pods.Count == 0 ? NoPods : pods);
        foreach (var (requester, correlation) in _waiting)
        {
            requester.Tell(_latest with { Correlation = correlation }, Self);
        }
        _waiting.Clear();
    }

    /// <summary>
    /// A pod's point: every running container needs a usage window of at least <see cref="FreshContainerMinimum"/>
    /// (metrics-server drops the pod otherwise); the pod's window is its shortest container window.
    /// </summary>
    private PodMetricsPoint? PodPoint(PodUsage pod, DateTimeOffset timestamp)
    {
        var window = _resolution;
        var containers = new List<ContainerMetricsPoint>(pod.Containers.Count);
        foreach (var container in pod.Containers)
        {
            var running = timestamp - container.StartTime;
            if (running < FreshContainerMinimum)
            {
                return null;
            }
            if (running < window)
            {
                window = running;
            }
            containers.Add(new ContainerMetricsPoint(container.Name, container.CpuNanoCores, container.MemoryBytes));
        }
        return containers.Count == 0 ? null : new PodMetricsPoint(pod.Namespace, pod.Name, timestamp, window, containers);
    }
}
