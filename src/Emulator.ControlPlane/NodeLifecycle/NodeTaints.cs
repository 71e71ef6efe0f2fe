using System.Text.Json.Nodes;
using Emulator.ControlPlane.Scheduling;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.NodeLifecycle;

/// <summary>The taints the node lifecycle controller owns, derived from a node's conditions and <c>spec.unschedulable</c>.</summary>
public static class NodeTaints
{
    /// <summary>Ready Unknown.</summary>
    public const string Unreachable = "node.kubernetes.io/unreachable";

    /// <summary>Ready False.</summary>
    public const string NotReady = "node.kubernetes.io/not-ready";

    /// <summary>Cordoned.</summary>
    public const string Unschedulable = "node.kubernetes.io/unschedulable";

    /// <summary>MemoryPressure True.</summary>
    public const string MemoryPressure = "node.kubernetes.io/memory-pressure";

    /// <summary>DiskPressure True.</summary>
    public const string DiskPressure = "node.kubernetes.io/disk-pressure";

    /// <summary>PIDPressure True.</summary>
    public const string PidPressure = "node.kubernetes.io/pid-pressure";

    private static readonly HashSet<string> Managed = new(StringComparer.Ordinal) { Unreachable, NotReady, Unschedulable, MemoryPressure, DiskPressure, PidPressure };

    /// <summary>The (key, effect) pairs the node should carry.</summary>
    /// <param name="node">The node.</param>
    /// <param name="noExecute">Whether Ready's NoExecute taint may be added (<see cref="NoExecuteMode.Normal"/>), only kept, or must go.</param>
    public static IReadOnlyList<(string Key, string Effect)> Desired(KubeObject node, NoExecuteMode noExecute = NoExecuteMode.Normal)
    {
        var desired = DesiredByConditions(node);
        if (noExecute == NoExecuteMode.Normal)
        {
            return desired;
        }
        var present = Taints.Of(node).Select(t => (Taints.Key(t), Taints.Effect(t))).ToHashSet();
        return desired.Where(d => d.Effect != Taints.NoExecute || (noExecute == NoExecuteMode.Hold && present.Contains(d))).ToList();
    }

    private static List<(string Key, string Effect)> DesiredByConditions(KubeObject node)
    {
        var desired = new List<(string, string)>();
        var status = node.Status ?? [];
        var ready = Conditions.Find(status, "Ready") is { } c ? JsonTree.GetString(c, "status") : null;
        switch (ready)
        {
            case "Unknown":
                desired.Add((Unreachable, Taints.NoSchedule));
                desired.Add((Unreachable, Taints.NoExecute));
                break;
            case "False":
                desired.Add((NotReady, Taints.NoSchedule));
                desired.Add((NotReady, Taints.NoExecute));
                break;
        }
        if (Conditions.IsTrue(status, "MemoryPressure"))
        {
            desired.Add((MemoryPressure, Taints.NoSchedule));
        }
        if (Conditions.IsTrue(status, "DiskPressure"))
        {
            desired.Add((DiskPressure, Taints.NoSchedule));
        }
        if (Conditions.IsTrue(status, "PIDPressure"))
        {
            desired.Add((PidPressure, Taints.NoSchedule));
        }
        if (JsonTree.GetBool(node.Document, "spec", "unschedulable") == true)
        {
            desired.Add((Unschedulable, Taints.NoSchedule));
        }
        return desired;
    }

    /// <summary>
    /// The node's taints with the managed ones brought to <see cref="Desired"/> (kept ones keep their <c>timeAdded</c>;
    /// new NoExecute taints get <paramref name="now"/>), or null when nothing changes.
    /// </summary>
    public static JsonArray? Reconciled(KubeObject node, DateTimeOffset now, NoExecuteMode noExecute = NoExecuteMode.Normal)
    {
        var current = Taints.Of(node).ToList();
        var desired = Desired(node, noExecute);
        var currentManaged = current.Where(t => Managed.Contains(Taints.Key(t))).Select(t => (Taints.Key(t), Taints.Effect(t))).ToHashSet();
        if (currentManaged.SetEquals(desired))
        {
            return null;
        }
        var result = new JsonArray();
        foreach (var taint in current)
        {
            if (!Managed.Contains(Taints.Key(taint)) || desired.Contains((Taints.Key(taint), Taints.Effect(taint))))
            {
                result.Add(taint.DeepClone());
            }
        }
        foreach (var (key, effect) in desired.Where(d => !currentManaged.Contains(d)))
        {
            var taint = new JsonObject { ["key"] = key, ["effect"] = effect };
            if (effect == Taints.NoExecute)
            {
                taint["timeAdded"] = Rfc3339Time.Format(now);
            }
            result.Add(taint);
        }
        return result;
    }
}

/// <summary>How the zone's disruption state lets the controller treat Ready's NoExecute taints.</summary>
public enum NoExecuteMode
{
    /// <summary>Add and remove them with the Ready condition.</summary>
    Normal,

    /// <summary>Partial disruption of a small zone (eviction rate 0): add none, keep those present, remove when healthy.</summary>
    Hold,

    /// <summary>Every node of every zone is not ready (master disruption mode): remove them all.</summary>
    Remove,
}
