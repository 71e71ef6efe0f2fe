namespace Emulator.Kubernetes.Authorization;

/// <summary>
/// What a request asks to do, as an authorizer sees it (k8s.io/apiserver's <c>authorizer.Attributes</c>): who, the
/// verb, and either a resource (group, resource, subresource, namespace, name) or a non-resource path.
/// </summary>
/// <param name="User">The user name.</param>
/// <param name="Groups">The user's groups.</param>
/// <param name="Verb">The verb (<c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, ..., <c>impersonate</c>).</param>
/// <param name="IsResourceRequest">True for a request on an API resource; false for a path such as <c>/healthz</c>.</param>
/// <param name="ApiGroup">The resource's API group (<c>""</c> for core).</param>
/// <param name="Resource">The resource (plural).</param>
/// <param name="Subresource">The subresource, or empty.</param>
/// <param name="Namespace">The namespace, or empty for a cluster-scoped request.</param>
/// <param name="Name">The object's name, or empty.</param>
/// <param name="Path">The request path (for non-resource requests).</param>
public sealed record AccessAttributes(
    string User,
    IReadOnlyList<string> Groups,
    string Verb,
    bool IsResourceRequest,
    string ApiGroup = "",
    string Resource = "",
    string Subresource = "",
    string Namespace = "",
    string Name = "",
    string Path = "")
{
    /// <summary>The group the API server's privileged-group authorizer allows everything.</summary>
    public const string MastersGroup = "system:masters";

    /// <summary>True when the user is in <c>system:masters</c>, whom the API server allows before RBAC is asked.</summary>
    public bool IsPrivileged => Groups.Contains(MastersGroup);

    /// <summary>The resource with its subresource (<c>pods/log</c>), as rules name it.</summary>
    public string CombinedResource => Subresource.Length == 0 ? Resource : Resource + "/" + Subresource;

    /// <summary>
    /// The API server's forbidden message (<c>responsewriters.forbiddenMessage</c>):
    /// <c>User "jane" cannot list resource "pods" in API group "" in the namespace "default"</c>.
    /// </summary>
    public string ForbiddenMessage()
    {
        if (!IsResourceRequest)
        {
            return $"User \"{User}\" cannot {Verb} path \"{Path}\"";
        }
        var scope = Namespace.Length > 0 ? $"in the namespace \"{Namespace}\"" : "at the cluster scope";
        return $"User \"{User}\" cannot {Verb} resource \"{CombinedResource}\" in API group \"{ApiGroup}\" {scope}";
    }
}

/// <summary>An authorizer's answer: allowed or not, and why (<c>RBAC: allowed by ...</c>, or the errors met).</summary>
/// <param name="Allowed">Whether the request may go on.</param>
/// <param name="Reason">The reason, possibly empty.</param>
public sealed record AccessDecision(bool Allowed, string Reason);
