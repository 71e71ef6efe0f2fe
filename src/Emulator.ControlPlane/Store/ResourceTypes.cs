using Emulator.Kubernetes.Kinds;

namespace Emulator.ControlPlane.Store;

/// <summary>The store types of the kinds the control plane and the nodes work with (from the kind registry).</summary>
public static class ResourceTypes
{
    /// <summary><c>v1</c> Pods.</summary>
    public static readonly ResourceType Pods = Of("", "pods");

    /// <summary><c>v1</c> Nodes.</summary>
    public static readonly ResourceType Nodes = Of("", "nodes");

    /// <summary><c>v1</c> Namespaces.</summary>
    public static readonly ResourceType Namespaces = Of("", "namespaces");

    /// <summary><c>v1</c> Events.</summary>
    public static readonly ResourceType Events = Of("", "events");

    /// <summary><c>coordination.k8s.io/v1</c> Leases (node heartbeats).</summary>
    public static readonly ResourceType Leases = Of("coordination.k8s.io", "leases");

    /// <summary><c>apps/v1</c> ReplicaSets.</summary>
    public static readonly ResourceType ReplicaSets = Of("apps", "replicasets");

    /// <summary><c>apps/v1</c> Deployments.</summary>
    public static readonly ResourceType Deployments = Of("apps", "deployments");

    /// <summary><c>rbac.authorization.k8s.io/v1</c> ClusterRoles.</summary>
    public static readonly ResourceType ClusterRoles = Of("rbac.authorization.k8s.io", "clusterroles");

    /// <summary><c>rbac.authorization.k8s.io/v1</c> ClusterRoleBindings.</summary>
    public static readonly ResourceType ClusterRoleBindings = Of("rbac.authorization.k8s.io", "clusterrolebindings");

    /// <summary><c>rbac.authorization.k8s.io/v1</c> Roles.</summary>
    public static readonly ResourceType Roles = Of("rbac.authorization.k8s.io", "roles");

    /// <summary><c>rbac.authorization.k8s.io/v1</c> RoleBindings.</summary>
    public static readonly ResourceType RoleBindings = Of("rbac.authorization.k8s.io", "rolebindings");

    /// <summary>The store type of a registered resource.</summary>
    public static ResourceType Of(string group, string resource)
    {
        var kind = KindRegistry.Default.FindByResource(group, resource)
            ?? throw new ArgumentException($"unknown resource {resource} in group \"{group}\"", nameof(resource));
        return Of(kind);
    }

    /// <summary>The store type of a kind.</summary>
    public static ResourceType Of(KindInfo kind) => new(kind.Group, kind.Version, kind.Resource, kind.Kind, kind.Namespaced, kind.HasStatus);
}
