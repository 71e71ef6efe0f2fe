using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.CustomResources;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.CustomResources;

/// <summary>
/// The apiextensions API server's CRD controllers in one reconcile loop: naming (the names are accepted unless another
/// CRD of the group already uses them: <c>NamesAccepted</c> and <c>status.acceptedNames</c>), establishing
/// (<c>Established</c> once the names are accepted), stored versions (the storage version joins
/// <c>status.storedVersions</c>), rule support (CEL rules this emulator cannot compile are listed in an
/// <c>UnsupportedValidationRules</c> condition instead of being enforced), and finalizing (a deleted CRD's objects are
/// deleted, then its cleanup finalizer is removed).
/// </summary>
public sealed class CustomResourceDefinitionController : Controller
{
    private static readonly ResourceType Definitions = CustomResourceTypes.Definitions;
    private static readonly TimeSpan CleanupRecheck = TimeSpan.FromSeconds(1);

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public CustomResourceDefinitionController(IActorRef store, IActorRef watchHub, TimeSpan? resync = null)
        : base(store, watchHub, [Definitions], resync)
    {
    }

    private sealed record InstancesListed(ObjectKey Key, string Uid, ResourceType Type, IReadOnlyList<StoredObject> Items);

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        base.OnChange(type, before, after);
        // A CRD's names may have been blocked by this one: the others of the group are reconsidered.
        var group = (after ?? before)?.Object.Spec?["group"]?.GetValue<string>();
        foreach (var other in Cache(Definitions).All.Where(c => c.Object.Spec?["group"]?.GetValue<string>() == group && c.Name != (after ?? before)!.Name))
        {
            Enqueue(KeyOf(Definitions, other));
        }
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Definitions).Get(null, key.Name) is not { } cached || CustomResourceTypes.Parse(cached.Stored) is not { } crd)
        {
            return;
        }
        if (crd.IsTerminating)
        {
            Finalize(key, cached, crd);
            return;
        }
        var obj = cached.Stored.ToJsonObject();
        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        var before = status.DeepClone();
        var conflict = NameConflict(crd);
        if (conflict is null)
        {
            status["acceptedNames"] = AcceptedNames(crd);
            Conditions.Set(status, "NamesAccepted", "True", "NoConflicts", "no conflicts found", Now);
            Conditions.Set(status, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted", Now);
        }
        else
        {
            Conditions.Set(status, "NamesAccepted", "False", conflict.Value.Reason, conflict.Value.Message, Now);
            if (Conditions.Find(status, "Established") is null)
            {
                Conditions.Set(status, "Established", "False", "NotAccepted", "not all names are accepted", Now);
            }
        }
        var stored = status["storedVersions"] as JsonArray ?? [];
        if (!stored.Any(v => v?.GetValue<string>() == crd.StorageVersion.Name))
        {
            stored.Add(crd.StorageVersion.Name);
        }
        status["storedVersions"] = stored;
        SetRuleSupport(status, crd);
        if (!JsonTree.DeepEquals(before, status))
        {
            UpdateStatus(key, Definitions, obj);
        }
    }

    /// <summary>
    /// The naming controller's check: another (older) CRD of the same group already using this one's plural,
    /// singular, kind, list kind or a short name.
    /// </summary>
    private (string Reason, string Message)? NameConflict(CustomResourceDefinition crd)
    {
        foreach (var other in Cache(Definitions).All)
        {
            if (other.Name == crd.Name || CustomResourceTypes.Parse(other.Stored) is not { } taken || taken.Group != crd.Group
                || CustomResourceDefinition.ConditionStatus(other.Stored.ToJsonObject(), "NamesAccepted") != "True")
            {
                continue;
            }
            if (taken.Plural == crd.Plural)
            {
                return ("PluralConflict", $"\"{crd.Plural}\" is already in use");
            }
            if (taken.Singular == crd.Singular)
            {
                return ("SingularConflict", $"\"{crd.Singular}\" is already in use");
            }
            if (taken.ShortNames.Intersect(crd.ShortNames).FirstOrDefault() is { } shortName)
            {
                return ("ShortNamesConflict", $"\"{shortName}\" is already in use");
            }
            if (taken.Kind == crd.Kind)
            {
                return ("KindConflict", $"\"{crd.Kind}\" is already in use");
            }
            if (taken.ListKind == crd.ListKind)
            {
                return ("ListKindConflict", $"\"{crd.ListKind}\" is already in use");
            }
        }
        return null;
    }

    private static JsonObject AcceptedNames(CustomResourceDefinition crd)
    {
        var names = new JsonObject { ["plural"] = crd.Plural, ["singular"] = crd.Singular };
        if (crd.ShortNames.Count > 0)
        {
            names["shortNames"] = new JsonArray(crd.ShortNames.Select(n => (JsonNode?)n).ToArray());
        }
        names["kind"] = crd.Kind;
        names["listKind"] = crd.ListKind;
        if (crd.Categories.Count > 0)
        {
            names["categories"] = new JsonArray(crd.Categories.Select(n => (JsonNode?)n).ToArray());
        }
        return names;
    }

    /// <summary>
    /// A CEL rule that does not compile is refused when the CRD is written; one stored before (or syntax the CEL library
    /// here cannot parse) is reported rather than enforced.
    /// </summary>
    private void SetRuleSupport(JsonObject status, CustomResourceDefinition crd)
    {
        var unsupported = crd.Versions.SelectMany(v => v.Schema.UncompiledRules($"spec.versions[{v.Name}].schema.openAPIV3Schema")).ToArray();
        if (unsupported.Length == 0)
        {
            if (Conditions.Find(status, "UnsupportedValidationRules") is { } existing && status["conditions"] is JsonArray list)
            {
                list.Remove(existing);
            }
            return;
        }
        Conditions.Set(status, "UnsupportedValidationRules", "True", "RulesNotEvaluated",
            "these x-kubernetes-validations rules are not evaluated by the emulator: " + string.Join("; ", unsupported), Now);
    }

    private void Finalize(ObjectKey key, CachedObject cached, CustomResourceDefinition crd)
    {
        if (!cached.Object.Finalizers.Contains(CustomResourceDefinition.CleanupFinalizer))
        {
            return;
        }
        var obj = cached.Stored.ToJsonObject();
        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        if (Conditions.Set(status, "Terminating", "True", "InstanceDeletionInProgress", "CustomResource deletion is in progress", Now))
        {
            UpdateStatus(key, Definitions, obj);
            return;
        }
        var type = CustomResourceTypes.Of(crd);
        Store.Ask<ListReply>(new ListObjects(type, null), TimeSpan.FromSeconds(30))
            .PipeTo(Self, Self, reply => new InstancesListed(key, crd.Uid, type, reply.Items), _ => new InstancesListed(key, crd.Uid, type, []));
    }

    /// <inheritdoc />
    protected override void OnOtherMessage(object message)
    {
        if (message is not InstancesListed listed)
        {
            base.OnOtherMessage(message);
            return;
        }
        if (Cache(Definitions).Get(null, listed.Key.Name) is not { } cached || cached.Stored.Uid != listed.Uid)
        {
            return;
        }
        if (listed.Items.Count > 0)
        {
            foreach (var item in listed.Items.Where(i => !i.IsDeleting))
            {
                DeleteObject(listed.Key, listed.Type, item.Namespace, item.Name, item.Uid);
            }
            // Objects may be held by their own finalizers: look again until none is left.
            EnqueueAfter(listed.Key, CleanupRecheck);
            return;
        }
        var obj = cached.Stored.ToJsonObject();
        var finalizers = obj["metadata"]?["finalizers"] as JsonArray ?? [];
        obj["metadata"]!["finalizers"] = new JsonArray(finalizers
            .Where(f => f?.GetValue<string>() != CustomResourceDefinition.CleanupFinalizer).Select(f => f?.DeepClone()).ToArray());
        UpdateObject(listed.Key, Definitions, obj);
    }
}
