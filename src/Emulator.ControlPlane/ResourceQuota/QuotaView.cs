using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.ResourceQuota;

/// <summary>What quota reads of a ResourceQuota: its hard limits (asked and confirmed), usage and scopes.</summary>
public sealed class QuotaView
{
    /// <summary><c>v1</c> ResourceQuotas.</summary>
    public static readonly ResourceType ResourceQuotas = ResourceTypes.Of("", "resourcequotas");

    /// <summary>Reads a quota.</summary>
    public QuotaView(KubeObject quota)
    {
        Object = quota;
        SpecHard = ResourceLists.Parse(JsonTree.Get(quota.Document, "spec", "hard"));
        var status = quota.Status;
        HasStatusHard = status?["hard"] is JsonObject;
        HasStatusUsed = status?["used"] is JsonObject;
        StatusHard = ResourceLists.Parse(status?["hard"]);
        StatusUsed = ResourceLists.Parse(status?["used"]);
        Scopes = ReadScopes(quota.Document);
    }

    /// <summary>The quota object.</summary>
    public KubeObject Object { get; }

    /// <summary>The quota's name.</summary>
    public string Name => Object.Name ?? "";

    /// <summary><c>spec.hard</c>: the limits asked for.</summary>
    public SortedDictionary<string, Quantity> SpecHard { get; }

    /// <summary><c>status.hard</c>: the limits the controller confirmed, which admission enforces.</summary>
    public SortedDictionary<string, Quantity> StatusHard { get; }

    /// <summary><c>status.used</c>.</summary>
    public SortedDictionary<string, Quantity> StatusUsed { get; }

    /// <summary>True when the status has a <c>hard</c> map.</summary>
    public bool HasStatusHard { get; }

    /// <summary>True when the status has a <c>used</c> map.</summary>
    public bool HasStatusUsed { get; }

    /// <summary><c>spec.scopes</c> (each as an <c>Exists</c> requirement) followed by <c>spec.scopeSelector.matchExpressions</c>.</summary>
    public IReadOnlyList<ScopeRequirement> Scopes { get; }

    private static List<ScopeRequirement> ReadScopes(JsonObject quota)
    {
        var scopes = (JsonTree.GetArray(quota, "spec", "scopes") ?? []).Select(JsonTree.AsString).OfType<string>()
            .Select(scope => new ScopeRequirement(scope, "Exists", [])).ToList();
        foreach (var expression in JsonTree.Objects(JsonTree.GetArray(quota, "spec", "scopeSelector", "matchExpressions")))
        {
            var values = (expression["values"] as JsonArray ?? []).Select(JsonTree.AsString).OfType<string>().ToList();
            scopes.Add(new ScopeRequirement(JsonTree.GetString(expression, "scopeName") ?? "", JsonTree.GetString(expression, "operator") ?? "", values));
        }
        return scopes;
    }
}
