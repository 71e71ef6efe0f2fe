using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Emulator.Api.Discovery;
using Emulator.Kubernetes.Kinds;

namespace Emulator.Api.OpenApi;

/// <summary>
/// <c>/openapi/v3</c>: the root lists one document per group version (<c>apis/apps/v1</c>) with a content hash, and each
/// document has the paths of its resources (every operation names its group-version-kind and takes
/// <c>fieldValidation</c>, so kubectl leaves validation to the server) and the schemas of its kinds — built-in kinds from
/// the model's field schema, custom resources from their CRD's structural schema. This is what <c>kubectl explain</c> and
/// kubectl's patch computation read.
/// </summary>
public sealed class OpenApiV3(ApiResourceCatalog catalog, OpenApiSchemas schemas)
{
    // Built-in documents never change in a process; custom resources' documents are rebuilt with their CRDs.
    private readonly ConcurrentDictionary<string, (string Hash, byte[] Json)> _builtIn = new(StringComparer.Ordinal);

    /// <summary>The root document: every group version's path and current URL.</summary>
    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var path in GroupVersionPaths())
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={Document(path)!.Value.Hash}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document of one group version path (<c>api/v1</c>, <c>apis/apps/v1</c>), or null when none is served.</summary>
    public (string Hash, byte[] Json)? Document(string path)
    {
        var resources = ResourcesOf(path);
        if (resources.Count == 0)
        {
            return null;
        }
        if (resources.All(r => r.Definition is null))
        {
            return _builtIn.GetOrAdd(path, _ => Serialize(Build(resources)));
        }
        return Serialize(Build(resources));
    }

    /// <summary>The path of every group version's document (<c>api/v1</c>, <c>apis/apps/v1</c>), in order.</summary>
    public IEnumerable<string> GroupVersionPaths() =>
        catalog.Resources.Select(r => r.Group.Length == 0 ? $"api/{r.Version}" : $"apis/{r.Group}/{r.Version}")
            .Distinct().Order(StringComparer.Ordinal);

    private List<ApiResource> ResourcesOf(string path)
    {
        var parts = path.Split('/');
        return parts switch
        {
            ["api", var version] => catalog.InGroupVersion("", version).ToList(),
            ["apis", var group, var version] => catalog.InGroupVersion(group, version).ToList(),
            _ => [],
        };
    }

    private static (string Hash, byte[] Json) Serialize(JsonObject document)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(document);
        return (Convert.ToHexString(SHA512.HashData(json)), json);
    }

    private JsonObject Build(IReadOnlyList<ApiResource> resources)
    {
        var components = new JsonObject();
        var paths = new JsonObject();
        foreach (var resource in resources)
        {
            string? component;
            if (resource.Definition is { } crd && resource.CustomVersion is { } version)
            {
                component = CustomResourceSchemas.Add(crd, version, components);
            }
            else if ((resource.Conversion?.Kind ?? KindRegistry.Default.FindByResource(resource.Group, resource.Resource)) is { } kind)
            {
                schemas.AddKind(kind, components);
                component = schemas.ComponentOf(kind);
            }
            else
            {
                continue;
            }
            if (component is not null)
            {
                AddPaths(resource, component, paths);
            }
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = Discovery.DiscoveryDocuments.GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = components },
        };
    }

    private static void AddPaths(ApiResource resource, string component, JsonObject paths)
    {
        var prefix = resource.Group.Length == 0 ? $"/api/{resource.Version}" : $"/apis/{resource.Group}/{resource.Version}";
        var collection = resource.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{resource.Resource}" : $"{prefix}/{resource.Resource}";
        var gvk = new JsonObject { ["group"] = resource.Group, ["kind"] = resource.Kind, ["version"] = resource.Version };
        // The API server's names: listAppsV1NamespacedDeployment, tagged apps_v1 (core for the legacy group, ".k8s.io" dropped).
        var group = OperationIdPart(resource.Group.Length == 0 ? "core" : resource.Group.EndsWith(".k8s.io", StringComparison.Ordinal) ? resource.Group[..^".k8s.io".Length] : resource.Group);
        var scope = resource.Namespaced ? "Namespaced" : "";
        JsonObject Operation(string action, string verb, bool writes) => new()
        {
            ["operationId"] = $"{verb}{char.ToUpperInvariant(group[0])}{group[1..]}{char.ToUpperInvariant(resource.Version[0])}{resource.Version[1..]}{scope}{resource.Kind}",
            ["tags"] = new JsonArray($"{group}_{resource.Version}"),
            ["parameters"] = writes ? WriteParameters() : new JsonArray(),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/" + component } } },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
        paths[collection] = new JsonObject
        {
            ["get"] = Operation("list", "list", writes: false),
            ["post"] = Operation("post", "create", writes: true),
        };
        paths[collection + "/{name}"] = new JsonObject
        {
            ["get"] = Operation("get", "read", writes: false),
            ["put"] = Operation("put", "replace", writes: true),
            ["patch"] = Operation("patch", "patch", writes: true),
            ["delete"] = Operation("delete", "delete", writes: false),
        };
    }

    // "rbac.authorization" → "rbacAuthorization": each character after a non-alphanumeric one upper-cased, those dropped.
    private static string OperationIdPart(string name)
    {
        var result = new System.Text.StringBuilder();
        var upper = false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                upper = true;
                continue;
            }
            result.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        return result.ToString();
    }

    private static JsonArray WriteParameters() => new(
        new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } },
        new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } },
        new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
}
