using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.RbacBootstrap;

/// <summary>
/// The API server's <c>rbac/bootstrap-roles</c> start-up hook: once its caches are synced it creates every bootstrap
/// role and binding (<see cref="BootstrapPolicy"/>) that is missing, and adds to one whose
/// <c>rbac.authorization.kubernetes.io/autoupdate</c> annotation is <c>"true"</c> the rules (or subjects) it lacks. It
/// runs once per start, as the hook does: a bootstrap object deleted later comes back at the next start.
/// </summary>
public sealed class RbacBootstrapController : Controller
{
    private readonly Dictionary<ObjectKey, (ResourceType Type, JsonObject Object)> _bootstrap = [];

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    public RbacBootstrapController(IActorRef store, IActorRef watchHub)
        : base(store, watchHub, [ResourceTypes.ClusterRoles, ResourceTypes.ClusterRoleBindings, ResourceTypes.Roles, ResourceTypes.RoleBindings])
    {
        void Add(ResourceType type, IEnumerable<JsonObject> objects)
        {
            foreach (var obj in objects)
            {
                _bootstrap[new ObjectKey(type.Key, JsonTree.GetString(obj, "metadata", "namespace"), JsonTree.GetString(obj, "metadata", "name")!)] = (type, obj);
            }
        }
        Add(ResourceTypes.ClusterRoles, BootstrapPolicy.ClusterRoles.Values);
        Add(ResourceTypes.ClusterRoleBindings, BootstrapPolicy.ClusterRoleBindings.Values);
        Add(ResourceTypes.Roles, BootstrapPolicy.Roles);
        Add(ResourceTypes.RoleBindings, BootstrapPolicy.RoleBindings);
    }

    /// <inheritdoc />
    protected override void OnSynced()
    {
        foreach (var key in _bootstrap.Keys)
        {
            Enqueue(key);
        }
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        // Only the start-up pass reconciles; later edits and deletions are the users'.
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (!_bootstrap.TryGetValue(key, out var bootstrap))
        {
            return;
        }
        var current = Cache(bootstrap.Type).Get(key.Namespace, key.Name);
        if (current is null)
        {
            CreateObject(key, bootstrap.Type, bootstrap.Object.DeepClone().AsObject());
            return;
        }
        if (current.Stored.IsDeleting || JsonTree.GetString(current.Object.Document, "metadata", "annotations", BootstrapPolicy.AutoUpdateAnnotation) != "true")
        {
            return;
        }
        // Reconciled as the hook does with autoupdate on: what the bootstrap object grants is added, nothing removed.
        var field = bootstrap.Type.Key == ResourceTypes.ClusterRoles.Key || bootstrap.Type.Key == ResourceTypes.Roles.Key ? "rules" : "subjects";
        if (field == "rules" && bootstrap.Object["aggregationRule"] is not null)
        {
            return;
        }
        var have = current.Object.Document[field] as JsonArray ?? [];
        var missing = (bootstrap.Object[field] as JsonArray ?? []).Where(entry => !have.Any(h => JsonTree.DeepEquals(h, entry))).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var updated = current.Object.Document.DeepClone().AsObject();
        var list = updated[field] as JsonArray ?? [];
        foreach (var entry in missing)
        {
            list.Add(entry!.DeepClone());
        }
        updated[field] = list;
        UpdateObject(key, bootstrap.Type, updated);
    }
}
