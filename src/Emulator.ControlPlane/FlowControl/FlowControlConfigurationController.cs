using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.FlowControl;

/// <summary>
/// The API server's <c>priority-and-fairness-config-producer</c> and the status half of its APF controller: the
/// bootstrap priority levels and flow schemas exist from the start and come back when deleted; a bootstrap object whose
/// <c>apf.kubernetes.io/autoupdate-spec</c> is <c>"true"</c> gets its shipped spec back when edited; and every
/// FlowSchema carries the <c>Dangling</c> condition saying whether its priority level exists. Requests are not queued
/// by them (the emulator's API server has max-in-flight limits only).
/// </summary>
public sealed class FlowControlConfigurationController : Controller
{
    /// <summary><c>flowcontrol.apiserver.k8s.io/v1</c> FlowSchemas.</summary>
    public static readonly ResourceType FlowSchemas = ResourceTypes.Of("flowcontrol.apiserver.k8s.io", "flowschemas");

    /// <summary><c>flowcontrol.apiserver.k8s.io/v1</c> PriorityLevelConfigurations.</summary>
    public static readonly ResourceType PriorityLevels = ResourceTypes.Of("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations");

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public FlowControlConfigurationController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null)
        : base(store, watchHub, [FlowSchemas, PriorityLevels], resync)
    {
    }

    /// <inheritdoc />
    protected override void OnSynced()
    {
        foreach (var name in FlowControlBootstrap.PriorityLevels.Keys)
        {
            Enqueue(new ObjectKey(PriorityLevels.Key, null, name));
        }
        foreach (var name in FlowControlBootstrap.FlowSchemas.Keys)
        {
            Enqueue(new ObjectKey(FlowSchemas.Key, null, name));
        }
    }

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if ((after ?? before) is not { } obj)
        {
            return;
        }
        Enqueue(KeyOf(type, obj));
        if (type.Key == PriorityLevels.Key)
        {
            // A priority level came or went: the schemas naming it dangle or stop dangling.
            foreach (var schema in Cache(FlowSchemas).All.Where(s => JsonTree.GetString(s.Object.Spec, "priorityLevelConfiguration", "name") == obj.Name))
            {
                Enqueue(KeyOf(FlowSchemas, schema));
            }
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        var isSchema = key.Resource == FlowSchemas.Key;
        var type = isSchema ? FlowSchemas : PriorityLevels;
        var bootstrap = (isSchema ? FlowControlBootstrap.FlowSchemas : FlowControlBootstrap.PriorityLevels).GetValueOrDefault(key.Name);
        var current = Cache(type).Get(null, key.Name);
        if (current is null)
        {
            if (bootstrap is not null)
            {
                CreateObject(key, type, bootstrap.DeepClone().AsObject());
            }
            return;
        }
        if (current.Stored.IsDeleting)
        {
            return;
        }
        if (bootstrap is not null && JsonTree.GetString(current.Object.Document, "metadata", "annotations", FlowControlBootstrap.AutoUpdateAnnotation) == "true"
            && !JsonTree.DeepEquals(current.Object.Spec, bootstrap["spec"]))
        {
            var restored = current.Object.Document.DeepClone().AsObject();
            restored["spec"] = bootstrap["spec"]!.DeepClone();
            UpdateObject(key, type, restored);
            return;
        }
        if (isSchema)
        {
            UpdateDangling(key, current);
        }
    }

    private void UpdateDangling(ObjectKey key, CachedObject schema)
    {
        var level = JsonTree.GetString(schema.Object.Spec, "priorityLevelConfiguration", "name") ?? "";
        var exists = Cache(PriorityLevels).Get(null, level) is not null;
        var obj = schema.Object.Document.DeepClone().AsObject();
        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        var changed = exists
            ? Conditions.Set(status, "Dangling", "False", "Found", $"This FlowSchema references the PriorityLevelConfiguration object named \"{level}\" and it exists", Now)
            : Conditions.Set(status, "Dangling", "True", "NotFound", $"This FlowSchema references the PriorityLevelConfiguration object named \"{level}\" but there is no such object", Now);
        if (changed)
        {
            UpdateStatus(key, FlowSchemas, obj);
        }
    }
}
