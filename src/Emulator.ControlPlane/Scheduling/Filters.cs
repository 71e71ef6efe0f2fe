using System.Globalization;
using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Scheduling;

/// <summary>Why a node cannot take a pod: the reason text, and whether preempting lower-priority pods could change that.</summary>
public sealed record FilterFailure(string Reason, bool Resolvable);

/// <summary>The default profile's filter plugins, in Kubernetes' order; a node stops at the first plugin that fails it.</summary>
public static class Filters
{
    /// <summary>NodeUnschedulable.</summary>
    public const string Unschedulable = "node(s) were unschedulable";

    /// <summary>NodeName.</summary>
    public const string NodeNameMismatch = "node(s) didn't match the requested node name";

    /// <summary>TaintToleration.</summary>
    public const string UntoleratedTaint = "node(s) had untolerated taint(s)";

    /// <summary>NodeAffinity.</summary>
    public const string AffinityMismatch = "node(s) didn't match Pod's node affinity/selector";

    /// <summary>NodePorts.</summary>
    public const string PortsInUse = "node(s) didn't have free ports for the requested pod ports";

    /// <summary>NodeResourcesFit, pod count.</summary>
    public const string TooManyPods = "Too many pods";

    /// <summary>The taint NodeUnschedulable lets a pod tolerate.</summary>
    public const string UnschedulableTaintKey = "node.kubernetes.io/unschedulable";

    // The taint a cordoned node is treated as having (tolerations are matched against it, never changed).
    private static readonly JsonObject UnschedulableTaint = new() { ["key"] = UnschedulableTaintKey, ["effect"] = Taints.NoSchedule };

    /// <summary>Runs the filters of one node; an empty list means the node fits.</summary>
    /// <param name="pod">The pod's terms.</param>
    /// <param name="podRequests">Its effective requests.</param>
    /// <param name="podPorts">Its host ports.</param>
    /// <param name="node">The node.</param>
    /// <param name="volumes">What VolumeBinding's PreFilter found about its claims (null: none).</param>
    /// <param name="spread">PodTopologySpread's PreFilter state (null: no DoNotSchedule constraint).</param>
    /// <param name="podAffinity">InterPodAffinity's PreFilter state (null: no rule can fail).</param>
    public static IReadOnlyList<FilterFailure> Run(PodSchedulingTerms pod, ResourceAmount podRequests, IReadOnlyList<HostPort> podPorts, NodeInfo node, PodVolumes? volumes = null,
        PodTopologySpread? spread = null, InterPodAffinity? podAffinity = null)
    {
        var tolerations = pod.Tolerations;
        if (node.Unschedulable && !Taints.Tolerated(tolerations, UnschedulableTaint))
        {
            return [new FilterFailure(Unschedulable, false)];
        }
        if (pod.NodeName is { } wanted && wanted != node.Name)
        {
            return [new FilterFailure(NodeNameMismatch, false)];
        }
        for (var i = 0; i < node.Taints.Count; i++)
        {
            var taint = node.Taints[i];
            if (Taints.Effect(taint) is Taints.NoSchedule or Taints.NoExecute && !Taints.Tolerated(tolerations, taint))
            {
                return [new FilterFailure(UntoleratedTaint, false)];
            }
        }
        if (!NodeAffinity.Matches(pod, node.Node))
        {
            return [new FilterFailure(AffinityMismatch, false)];
        }
        if (PortsConflict(podPorts, node.UsedPorts))
        {
            return [new FilterFailure(PortsInUse, true)];
        }
        // Every pending pod is filtered against every node: a node that fits costs no allocation.
        List<FilterFailure>? failures = null;
        if (node.PodCount + 1 > node.MaxPods)
        {
            (failures ??= []).Add(new FilterFailure(TooManyPods, true));
        }
        if (podRequests.MilliCpu > 0 && podRequests.MilliCpu > node.Allocatable.MilliCpu - node.Requested.MilliCpu)
        {
            (failures ??= []).Add(new FilterFailure("Insufficient cpu", true));
        }
        if (podRequests.Memory > 0 && podRequests.Memory > node.Allocatable.Memory - node.Requested.Memory)
        {
            (failures ??= []).Add(new FilterFailure("Insufficient memory", true));
        }
        if (failures is not null)
        {
            return failures;
        }
        if (volumes is not null && VolumeBinding.Filter(volumes, node) is { } volumeFailure)
        {
            return [volumeFailure];
        }
        if (spread?.Filter(node) is { } spreadFailure)
        {
            return [spreadFailure];
        }
        if (podAffinity?.Filter(node) is { } affinityFailure)
        {
            return [affinityFailure];
        }
        return [];
    }

    private static bool PortsConflict(IReadOnlyList<HostPort> wanted, List<HostPort> used)
    {
        for (var i = 0; i < wanted.Count; i++)
        {
            foreach (var taken in used)
            {
                if (wanted[i].Conflicts(taken))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// The FitError message when a PreFilter plugin found the pod unschedulable everywhere (such as VolumeBinding's
    /// <c>persistentvolumeclaim "x" not found</c>): its message for all nodes, and preemption cannot help on any.
    /// </summary>
    public static string PreFilterFitErrorMessage(int nodeCount, string message) =>
        nodeCount == 0
            ? "no nodes available to schedule pods"
            : $"0/{nodeCount} nodes are available: {message}. preemption: 0/{nodeCount} nodes are available: {nodeCount.ToString(CultureInfo.InvariantCulture)} Preemption is not helpful for scheduling.";

    /// <summary>
    /// The FitError message: <c>0/N nodes are available: </c> + the sorted <c>count reason</c> list + <c>.</c>, then the
    /// preemption post-filter's verdict in the same form.
    /// </summary>
    /// <param name="nodeCount">The number of nodes.</param>
    /// <param name="failuresPerNode">Why each node failed.</param>
    /// <param name="postFilterMessage">What the preemption post-filter said when it ran: empty when it nominated a node
    /// (then nothing follows the reasons), <c>preemption: not eligible …</c> when the pod may not preempt; null for
    /// the verdict computed from the reasons (no victims found / not helpful).</param>
    public static string FitErrorMessage(int nodeCount, IReadOnlyList<IReadOnlyList<FilterFailure>> failuresPerNode, string? postFilterMessage = null)
    {
        if (nodeCount == 0)
        {
            return "no nodes available to schedule pods";
        }
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var preemption = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var failures in failuresPerNode)
        {
            foreach (var failure in failures)
            {
                reasons[failure.Reason] = reasons.GetValueOrDefault(failure.Reason) + 1;
            }
            // A node is helped by preemption only when every reason it failed for is one preemption can resolve.
            var verdict = failures.All(f => f.Resolvable) ? "No preemption victims found for incoming pod" : "Preemption is not helpful for scheduling";
            preemption[verdict] = preemption.GetValueOrDefault(verdict) + 1;
        }
        var fitError = $"0/{nodeCount} nodes are available: {Histogram(reasons)}.";
        return postFilterMessage switch
        {
            null => $"{fitError} preemption: 0/{nodeCount} nodes are available: {Histogram(preemption)}.",
            "" => fitError,
            _ => $"{fitError} {postFilterMessage}",
        };
    }

    private static string Histogram(Dictionary<string, int> counts) =>
        string.Join(", ", counts.Select(kv => kv.Value.ToString(CultureInfo.InvariantCulture) + " " + kv.Key).Order(StringComparer.Ordinal));
}
