using Emulator.Kubernetes.Authorization;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Authorization;

/// <summary>
/// What an HTTP request asks to do, read from its method, path and query as the API server's request info factory
/// reads it: <c>/api/v1/...</c> and <c>/apis/GROUP/VERSION/...</c> are resource requests (the verb from the method, a
/// GET of a collection being <c>list</c> or <c>watch</c>, a DELETE of one <c>deletecollection</c>; a list or watch
/// selecting <c>metadata.name</c> names its object); every other path is a non-resource request whose verb is the
/// method in lower case.
/// </summary>
public static class RequestAttributes
{
    private static readonly HashSet<string> NamespaceSubresources = ["status", "finalize"];

    /// <summary>The attributes of <paramref name="request"/> made by <paramref name="user"/> with <paramref name="groups"/>.</summary>
    public static AccessAttributes Of(HttpRequest request, string user, IReadOnlyList<string> groups)
    {
        var path = request.Path.Value ?? "/";
        var nonResource = new AccessAttributes(user, groups, request.Method.ToLowerInvariant(), false, Path: path);
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Count < 3 || parts[0] is not ("api" or "apis"))
        {
            return nonResource;
        }
        var group = "";
        parts.RemoveAt(0);
        if (path.StartsWith("/apis/", StringComparison.Ordinal))
        {
            if (parts.Count < 3)
            {
                return nonResource;
            }
            group = parts[0];
            parts.RemoveAt(0);
        }
        parts.RemoveAt(0); // the version
        string verb;
        if (parts[0] is "watch" or "proxy")
        {
            if (parts.Count < 2)
            {
                return nonResource;
            }
            verb = parts[0];
            parts.RemoveAt(0);
        }
        else
        {
            verb = request.Method switch
            {
                "POST" => "create",
                "GET" or "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "",
            };
        }
        var ns = "";
        if (parts[0] == "namespaces" && parts.Count > 1)
        {
            ns = parts[1];
            // namespaces/NS/RES... addresses RES in NS, unless RES is a subresource of the namespace itself.
            if (parts.Count > 2 && !NamespaceSubresources.Contains(parts[2]))
            {
                parts.RemoveRange(0, 2);
            }
        }
        var resource = parts[0];
        var name = parts.Count >= 2 ? parts[1] : "";
        var subresource = parts.Count >= 3 && verb != "proxy" ? parts[2] : "";
        if (name.Length == 0 && verb == "get")
        {
            verb = request.Query["watch"] is { Count: > 0 } watch && watch[0] is "true" or "1" ? "watch" : "list";
        }
        if (name.Length == 0 && verb is "list" or "watch" && SelectedName(request) is { } selected)
        {
            name = selected;
        }
        if (name.Length == 0 && verb == "delete")
        {
            verb = "deletecollection";
        }
        return new AccessAttributes(user, groups, verb, true, group, resource, subresource, ns, name, path);
    }

    /// <summary>The name a field selector requires exactly (<c>metadata.name=NAME</c> or <c>metadata.name==NAME</c>), if any.</summary>
    private static string? SelectedName(HttpRequest request)
    {
        if (request.Query["fieldSelector"].FirstOrDefault() is not { Length: > 0 } selector)
        {
            return null;
        }
        foreach (var term in selector.Split(','))
        {
            var at = term.IndexOf('=', StringComparison.Ordinal);
            if (at > 0 && term[(at - 1)] != '!' && term[..at].Trim() == "metadata.name")
            {
                var value = term[(at + 1)..].TrimStart('=').Trim();
                if (value.Length > 0 && value is not ("." or "..") && !value.Contains('/', StringComparison.Ordinal) && !value.Contains('%', StringComparison.Ordinal))
                {
                    return value;
                }
            }
        }
        return null;
    }
}
