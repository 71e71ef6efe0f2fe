using System.Text.Json.Nodes;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.Api.OpenApi;

/// <summary>
/// The OpenAPI schema of a custom resource's version, as the apiextensions API server publishes it: the CRD's
/// <c>openAPIV3Schema</c> with <c>apiVersion</c>, <c>kind</c> and the standard <c>metadata</c> filled in, named
/// <c>REVERSED.GROUP.VERSION.KIND</c> (<c>com.example.stable.v1.CronTab</c>).
/// </summary>
public static class CustomResourceSchemas
{
    /// <summary>Adds the schema (and its list's) to <paramref name="components"/>; returns the component name.</summary>
    public static string Add(CustomResourceDefinition crd, CustomResourceVersion version, JsonObject components)
    {
        var prefix = PrefixOf(crd, version);
        var name = $"{prefix}.{crd.Kind}";
        var schema = version.Schema.Source.DeepClone().AsObject();
        var properties = schema["properties"] as JsonObject ?? [];
        schema["properties"] = properties;
        properties["apiVersion"] ??= new JsonObject { ["type"] = "string" };
        properties["kind"] ??= new JsonObject { ["type"] = "string" };
        properties["metadata"] = OpenApiSchemas.Ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        schema["x-kubernetes-group-version-kind"] = OpenApiSchemas.Gvk(crd.Group, version.Name, crd.Kind);
        components[name] = schema;
        components[$"{prefix}.{crd.ListKind}"] = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("items"),
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string" },
                ["items"] = new JsonObject { ["type"] = "array", ["items"] = OpenApiSchemas.Ref(name) },
                ["kind"] = new JsonObject { ["type"] = "string" },
                ["metadata"] = OpenApiSchemas.Ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"),
            },
            ["x-kubernetes-group-version-kind"] = OpenApiSchemas.Gvk(crd.Group, version.Name, crd.ListKind),
        };
        OpenApiSchemas.Default.AddMeta(components);
        return name;
    }

    /// <summary>The component names of a custom resource's version: its kind's and its list kind's.</summary>
    public static (string Kind, string List) ComponentNames(CustomResourceDefinition crd, CustomResourceVersion version) =>
        ($"{PrefixOf(crd, version)}.{crd.Kind}", $"{PrefixOf(crd, version)}.{crd.ListKind}");

    private static string PrefixOf(CustomResourceDefinition crd, CustomResourceVersion version) =>
        string.Join('.', crd.Group.Split('.').Reverse()) + "." + version.Name;
}
