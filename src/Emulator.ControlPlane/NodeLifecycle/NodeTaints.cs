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
    public static IReadOnlyList<(string Key, string Effect)> Desired(KubeObject node)
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
    public static JsonArray? Reconciled(KubeObject node, DateTimeOffset now)
    {
        var current = Taints.Of(node).ToList();
        var desired = Desired(node);
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
