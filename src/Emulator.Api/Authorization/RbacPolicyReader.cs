using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Authorization;

namespace Emulator.Api.Authorization;

/// <summary>
/// Reads the RBAC objects from the store for one authorization decision. The API server's RBAC authorizer reads them
/// from informer caches; reading them per request keeps a decision in step with the bindings a client has just
/// written, and only requests of users outside <c>system:masters</c> need it.
/// </summary>
public sealed class RbacPolicyReader(IActorRef store, TimeSpan timeout)
{
    /// <summary>The policy as stored now.</summary>
    public async Task<RbacPolicy> Read()
    {
        var lists = await Task.WhenAll(
            List(ResourceTypes.ClusterRoles), List(ResourceTypes.ClusterRoleBindings), List(ResourceTypes.Roles), List(ResourceTypes.RoleBindings)).ConfigureAwait(false);
        return new RbacPolicy(lists[0], lists[1], lists[2], lists[3]);
    }

    private async Task<IEnumerable<System.Text.Json.Nodes.JsonObject>> List(ResourceType type)
    {
        var reply = await store.Ask<ListReply>(new ListObjects(type, null), timeout).ConfigureAwait(false);
        // The parsed documents are shared with other readers of the stored object: only read here.
        return reply.Items.Select(item => item.Parsed.Document);
    }
}
