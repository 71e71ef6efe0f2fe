using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.Api.Resources;
using Emulator.ControlPlane.Admission.ValidatingAdmissionPolicy;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Admission;

/// <summary>
/// The API server's MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins: a write (create, update, patch,
/// apply, delete) that a webhook's rules, namespace selector and object selector match is sent to the webhook as an
/// <c>admission.k8s.io/v1</c> AdmissionReview before it is stored. Mutating webhooks run first, one after the other
/// in the configurations' name order, their JSON patches applied; then every validating webhook. A refusal is
/// <c>admission webhook "NAME" denied the request: MESSAGE</c>; a webhook that cannot be called fails the request
/// (<c>failurePolicy: Fail</c>, the default) or is skipped (<c>Ignore</c>).
/// </summary>
public sealed class AdmissionWebhooks(IActorRef store, TimeSpan storeTimeout, WebhookConfigurations? configurations = null)
{
    private const string Group = "admissionregistration.k8s.io";

    /// <summary>The mutating webhook configurations.</summary>
    internal static readonly ResourceType MutatingConfigurations = ResourceTypes.Of(Group, "mutatingwebhookconfigurations");

    /// <summary>The validating webhook configurations.</summary>
    internal static readonly ResourceType ValidatingConfigurations = ResourceTypes.Of(Group, "validatingwebhookconfigurations");

    private readonly WebhookCaller _caller = new(store, storeTimeout);

    /// <summary>
    /// Runs the webhooks matching <paramref name="command"/>; returns the command to store (its object mutated), or
    /// throws <see cref="ApiStatusException"/> with the refusal.
    /// </summary>
    public async Task<StoreCommand> Admit(StoreCommand command, HttpContext context)
    {
        if (Describe(command) is not { } write || write.Type.Group == Group)
        {
            // Webhook and policy configurations are never sent to webhooks: a bad webhook could not be removed.
            return command;
        }
        var (mutatingStored, validatingStored) = await Configurations().ConfigureAwait(false);
        if (mutatingStored.Count == 0 && validatingStored.Count == 0)
        {
            return command;
        }
        // Parsed for this request: the informer's objects are shared between requests and must not be changed.
        IReadOnlyList<JsonObject> mutating = [.. mutatingStored.Select(c => c.ToJsonObject())];
        IReadOnlyList<JsonObject> validating = [.. validatingStored.Select(c => c.ToJsonObject())];
        var oldObject = write.Operation == "CREATE" ? null : await Current(write).ConfigureAwait(false);
        var ns = write.Type.Namespaced && write.Namespace.Length > 0 ? await Namespace(write.Namespace).ConfigureAwait(false) : null;
        var obj = write.Object?.DeepClone().AsObject();
        var userInfo = command.UserInfo ?? Reviews.UserInfo(RequestUser.Of(context.Request));
        foreach (var (configuration, webhook) in Webhooks(mutating))
        {
            var request = new PolicyRequest(write.Type, write.Subresource, write.Operation, write.Namespace, write.Name, obj, oldObject, write.DryRun, userInfo);
            if (!Matches(webhook, request, ns))
            {
                continue;
            }
            if (await _caller.Call(configuration, webhook, request, mutating: true, context).ConfigureAwait(false) is { } patched)
            {
                obj = patched;
            }
        }
        var final = new PolicyRequest(write.Type, write.Subresource, write.Operation, write.Namespace, write.Name, obj, oldObject, write.DryRun, userInfo);
        // The API server calls the validating webhooks in parallel; the first refusal (in their order) is the answer.
        var calls = Webhooks(validating).Where(w => Matches(w.Webhook, final, ns))
            .Select(w => _caller.Call(w.Configuration, w.Webhook, final, mutating: false, context)).ToList();
        await Task.WhenAll(calls).ConfigureAwait(false);
        return obj is null ? command : command switch
        {
            CreateObject create => create with { Object = obj },
            UpdateObject update => update with { Object = obj },
            _ => command,
        };
    }

    /// <summary>
    /// After a successful write of a webhook configuration: waits until the configurations reflect it, so it applies
    /// to the writer's next request.
    /// </summary>
    public Task Written(StoreCommand command, StoreReply reply) =>
        configurations is not null && Describe(command) is { DryRun: false } write && write.Type.Group == Group
            && reply.Object is { } written && (write.Type.Key == MutatingConfigurations.Key || write.Type.Key == ValidatingConfigurations.Key)
            ? configurations.WaitFor(write.Type.Key, written.ResourceVersion, storeTimeout)
            : Task.CompletedTask;

    private sealed record Write(ResourceType Type, string Subresource, string Operation, string Namespace, string Name, JsonObject? Object, bool DryRun);

    private static Write? Describe(StoreCommand command) => command switch
    {
        CreateObject c => new(c.Type, "", "CREATE", NamespaceOf(c.Object), NameOf(c.Object), c.Object, c.DryRun),
        UpdateObject u => new(u.Type, u.Scope switch { UpdateScope.Status => "status", UpdateScope.EphemeralContainers => "ephemeralcontainers", _ => "" },
            "UPDATE", NamespaceOf(u.Object), NameOf(u.Object), u.Object, u.DryRun),
        DeleteObject d => new(d.Type, "", "DELETE", d.Namespace ?? "", d.Name, null, d.Options.DryRun),
        _ => null,
    };

    /// <summary>The webhook's rules and selectors select the request, and its match conditions hold.</summary>
    private static bool Matches(JsonObject webhook, PolicyRequest request, StoredObject? ns)
    {
        if (!Selects(webhook, request, ns))
        {
            return false;
        }
        var (matches, error) = WebhookMatchConditions.Evaluate(webhook, request);
        if (error is not null && JsonTree.GetString(webhook, "failurePolicy") != "Ignore")
        {
            throw new ApiStatusException(ApiStatus.Internal($"failed calling webhook \"{JsonTree.GetString(webhook, "name")}\": {error}"));
        }
        return matches;
    }

    private static bool Selects(JsonObject webhook, PolicyRequest request, StoredObject? ns)
    {
        var resources = new JsonObject
        {
            ["resourceRules"] = webhook["rules"]?.DeepClone(),
            ["namespaceSelector"] = webhook["namespaceSelector"]?.DeepClone(),
            ["objectSelector"] = webhook["objectSelector"]?.DeepClone(),
            ["matchPolicy"] = webhook["matchPolicy"]?.DeepClone(),
        };
        return PolicyMatcher.Matches(resources, request, new NamespaceOnly(ns), requireRules: true);
    }

    /// <summary>The webhooks of the configurations, configurations by name, webhooks in their listed order.</summary>
    private static IEnumerable<(JsonObject Configuration, JsonObject Webhook)> Webhooks(IReadOnlyList<JsonObject> configurations) =>
        configurations.OrderBy(c => NameOf(c), StringComparer.Ordinal)
            .SelectMany(c => JsonTree.Objects(c["webhooks"] as JsonArray).Select(w => (c, w)));

    /// <summary>The webhook configurations: the informer's once it has listed them, until then the store's.</summary>
    private async Task<(IReadOnlyList<StoredObject> Mutating, IReadOnlyList<StoredObject> Validating)> Configurations()
    {
        if (configurations?.Current is { Synced: true } known)
        {
            return (known.Mutating, known.Validating);
        }
        // Both asked together: one round trip.
        var mutating = store.Ask<ListReply>(new ListObjects(MutatingConfigurations, null), storeTimeout);
        var validating = store.Ask<ListReply>(new ListObjects(ValidatingConfigurations, null), storeTimeout);
        return ((await mutating.ConfigureAwait(false)).Items, (await validating.ConfigureAwait(false)).Items);
    }

    private async Task<JsonObject?> Current(Write write)
    {
        var reply = await store.Ask<StoreReply>(new GetObject(write.Type, write.Type.Namespaced ? write.Namespace : null, write.Name), storeTimeout).ConfigureAwait(false);
        return reply.Object?.ToJsonObject();
    }

    private async Task<StoredObject?> Namespace(string name) =>
        (await store.Ask<StoreReply>(new GetObject(ResourceTypes.Namespaces, null, name), storeTimeout).ConfigureAwait(false)).Object;

    private static string NamespaceOf(JsonObject obj) => JsonTree.GetString(obj, "metadata", "namespace") ?? "";

    private static string NameOf(JsonObject obj) => JsonTree.GetString(obj, "metadata", "name") ?? "";

    /// <summary>What the matcher may look up: the request's namespace.</summary>
    private sealed class NamespaceOnly(StoredObject? ns) : IAdmissionContext
    {
        public IEnumerable<StoredObject> List(ResourceType type) => [];

        public StoredObject? Find(ResourceType type, string? @namespace, string name) =>
            type.Key == ResourceTypes.Namespaces.Key && ns?.Name == name ? ns : null;

        public void UpdateStatusAlong(ResourceType type, JsonObject obj) => throw new NotSupportedException();
    }
}
