using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.ControlPlane.ClusterRoleAggregation;

/// <summary>
/// kube-controller-manager's <c>clusterrole-aggregation</c> controller: a ClusterRole with an <c>aggregationRule</c>
/// holds the rules of every other ClusterRole its selectors match (by name, each rule once), so labelling a role
/// <c>rbac.authorization.k8s.io/aggregate-to-view: "true"</c> adds its rules to <c>view</c> (and through
/// <c>edit</c> and <c>admin</c>, which aggregate <c>view</c>'s and <c>edit</c>'s labels, to those too). Any ClusterRole change
/// requeues every aggregated role.
/// </summary>
public sealed class ClusterRoleAggregationController : Controller
{
    /// <summary><c>rbac.authorization.k8s.io/v1</c> ClusterRoles.</summary>
    public static readonly ResourceType ClusterRoles = ResourceTypes.Of("rbac.authorization.k8s.io", "clusterroles");

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public ClusterRoleAggregationController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null)
        : base(store, watchHub, [ClusterRoles], resync)
    {
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        foreach (var aggregated in Cache(ClusterRoles).All.Where(r => r.Object.Document["aggregationRule"] is JsonObject))
        {
            Enqueue(KeyOf(ClusterRoles, aggregated));
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(ClusterRoles).Get(null, key.Name) is not { } role || role.Stored.IsDeleting
            || role.Object.Document["aggregationRule"] is not JsonObject aggregation)
        {
            return;
        }
        var rules = new List<JsonNode>();
        foreach (var selector in JsonTree.Objects(aggregation["clusterRoleSelectors"] as JsonArray))
        {
            var matches = LabelSelector.FromJson(selector);
            foreach (var source in Cache(ClusterRoles).All.Where(r => r.Name != role.Name && matches.Matches(r.Object)).OrderBy(r => r.Name, StringComparer.Ordinal))
            {
                foreach (var rule in (source.Object.Document["rules"] as JsonArray ?? []).OfType<JsonNode>())
                {
                    if (!rules.Any(r => JsonTree.DeepEquals(r, rule)))
                    {
                        rules.Add(rule);
                    }
                }
            }
        }
        if (JsonTree.DeepEquals(new JsonArray(rules.Select(r => r.DeepClone()).ToArray()), role.Object.Document["rules"] as JsonArray ?? []))
        {
            return;
        }
        var updated = role.Object.Document.DeepClone().AsObject();
        updated["rules"] = new JsonArray(rules.Select(r => r.DeepClone()).ToArray());
        UpdateObject(key, ClusterRoles, updated);
    }
}
