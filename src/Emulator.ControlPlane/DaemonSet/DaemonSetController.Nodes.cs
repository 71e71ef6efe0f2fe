using System.Text.Json.Nodes;
using Emulator.ControlPlane.Scheduling;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.DaemonSet;

public sealed partial class DaemonSetController
{
    /// <summary>Whether a node should run the DaemonSet's pod, and whether a pod already there may stay.</summary>
    /// <param name="ShouldRun">The node is eligible: a pod must be there.</param>
    /// <param name="ShouldContinueRunning">A pod already there may stay (also when only NoSchedule taints are untolerated).</param>
    internal readonly record struct Eligibility(bool ShouldRun, bool ShouldContinueRunning);

    /// <summary>
    /// The pod the DaemonSet would put on a node, as <c>NewPod</c> builds it for the checks: the template with the
    /// daemon tolerations.
    /// </summary>
    internal static KubeObject ProbePod(KubeObject ds)
    {
        var spec = JsonTree.GetObject(ds.Document, "spec", "template", "spec")?.DeepClone() as JsonObject ?? [];
        DaemonPods.AddDaemonTolerations(spec);
        return new KubeObject(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = JsonTree.GetObject(ds.Document, "spec", "template", "metadata")?.DeepClone() ?? new JsonObject(),
            ["spec"] = spec,
        });
    }

    /// <summary>
    /// Kubernetes' <c>NodeShouldRunDaemonPod</c>: the template's <c>nodeName</c> (when set) names the node, the
    /// nodeSelector and required node affinity match it, and no NoSchedule/NoExecute taint goes untolerated. On a node
    /// with only untolerated NoSchedule taints a running pod may stay; an untolerated NoExecute taint evicts it.
    /// Cordoned nodes qualify: daemon pods tolerate the unschedulable taint.
    /// </summary>
    internal static Eligibility NodeShouldRunDaemonPod(KubeObject probe, KubeObject node)
    {
        var templateNodeName = JsonTree.GetString(probe.Document, "spec", "nodeName");
        if (!string.IsNullOrEmpty(templateNodeName) && templateNodeName != node.Name)
        {
            return new Eligibility(false, false);
        }
        if (!NodeAffinity.Matches(probe, node))
        {
            return new Eligibility(false, false);
        }
        var tolerations = JsonTree.Objects(JsonTree.GetArray(probe.Document, "spec", "tolerations")).ToList();
        var untolerated = Taints.Of(node)
            .Where(t => Taints.Effect(t) is Taints.NoSchedule or Taints.NoExecute)
            .Where(t => !Taints.Tolerated(tolerations, t))
            .ToList();
        if (untolerated.Count == 0)
        {
            return new Eligibility(true, true);
        }
        return new Eligibility(false, !untolerated.Any(t => Taints.Effect(t) == Taints.NoExecute));
    }
}
