using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;

namespace Emulator.Api.OpenApi;

/// <summary>
/// The OpenAPI schemas of the built-in kinds, generated from the field schema the decoder, validator and patcher use
/// (<c>kinds.schema</c>): one component per struct, named after its Go package as the API server names them
/// (<c>io.k8s.api.apps.v1.Deployment</c>, <c>io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta</c>), with the strategic
/// merge patch keys kubectl reads (<c>x-kubernetes-patch-merge-key</c>, <c>x-kubernetes-patch-strategy</c>).
/// </summary>
public sealed class OpenApiSchemas
{
    private static readonly HashSet<string> MetaTypes = ["TypeMeta", "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "Condition"];

    private readonly FieldSchema _schema;
    // The Go package each struct lives in: the group version of the first kind (in registry order) that reaches it.
    private readonly Dictionary<string, string> _packages = new(StringComparer.Ordinal);

    /// <summary>Creates the schemas of <paramref name="registry"/>'s kinds over <paramref name="schema"/>.</summary>
    public OpenApiSchemas(KindRegistry registry, FieldSchema schema)
    {
        _schema = schema;
        foreach (var kind in registry.Kinds)
        {
            if (schema.Find(kind.SchemaType) is { } root)
            {
                AssignPackages(root, PackageOf(kind.Group, kind.Version));
            }
        }
    }

    /// <summary>The schemas generated from the model's kinds.</summary>
    public static OpenApiSchemas Default { get; } = new(KindRegistry.Default, FieldSchema.Default);

    /// <summary>The component name of a kind's root type.</summary>
    public string? ComponentOf(KindInfo kind) => _schema.Find(kind.SchemaType) is { } type ? NameOf(type) : null;

    /// <summary>
    /// Adds the component of <paramref name="kind"/> (with its group-version-kind) and of every type it reaches, and of
    /// its list kind, to <paramref name="components"/>.
    /// </summary>
    public void AddKind(KindInfo kind, JsonObject components)
    {
        if (_schema.Find(kind.SchemaType) is not { } root)
        {
            return;
        }
        AddType(root, components);
        var name = NameOf(root);
        ((JsonObject)components[name]!)["x-kubernetes-group-version-kind"] = Gvk(kind.Group, kind.Version, kind.Kind);
        var listName = name + "List";
        components[listName] = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("items"),
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string" },
                ["items"] = new JsonObject { ["type"] = "array", ["items"] = Ref(name) },
                ["kind"] = new JsonObject { ["type"] = "string" },
                ["metadata"] = Ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"),
            },
            ["x-kubernetes-group-version-kind"] = Gvk(kind.Group, kind.Version, kind.ListKind),
        };
        AddType(_schema.Find("ListMeta")!, components);
    }

    /// <summary>Adds ObjectMeta and ListMeta (what every custom resource's schema refers to).</summary>
    public void AddMeta(JsonObject components)
    {
        AddType(_schema.Find("ObjectMeta")!, components);
        AddType(_schema.Find("ListMeta")!, components);
    }

    /// <summary>A group-version-kind list, as the extension carries it.</summary>
    public static JsonArray Gvk(string group, string version, string kind) =>
        new(new JsonObject { ["group"] = group, ["kind"] = kind, ["version"] = version });

    /// <summary>A reference to a component, wrapped as the API server writes references in v3 documents.</summary>
    public static JsonObject Ref(string component) =>
        new() { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + component }) };

    private void AddType(TypeDefinition type, JsonObject components)
    {
        var name = NameOf(type);
        if (components.ContainsKey(name))
        {
            return;
        }
        var properties = new JsonObject();
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        components[name] = schema;
        foreach (var (fieldName, field) in type.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var property = FieldSchemaOf(field.Type, components);
            if (field.Type.Shape == TypeShape.List)
            {
                if (field.MergeKey is { } key)
                {
                    property["x-kubernetes-patch-merge-key"] = key;
                }
                if (field.Strategies.Count > 0)
                {
                    property["x-kubernetes-patch-strategy"] = string.Join(",", field.Strategies.Order(StringComparer.Ordinal));
                }
                // The list type server-side apply merges by, where the Go type declares one beyond its patch strategy.
                if (field.Apply.ListType is { } listType)
                {
                    property["x-kubernetes-list-type"] = listType.ToString().ToLowerInvariant();
                    if (listType == ListType.Map)
                    {
                        property["x-kubernetes-list-map-keys"] = new JsonArray(field.ListMapKeys.Select(k => (JsonNode)k).ToArray());
                    }
                }
            }
            else if (field.Strategies.Count > 0)
            {
                property["x-kubernetes-patch-strategy"] = string.Join(",", field.Strategies.Order(StringComparer.Ordinal));
            }
            properties[fieldName] = property;
        }
        if (type.Open)
        {
            schema["x-kubernetes-preserve-unknown-fields"] = true;
        }
        if (type.Atomic)
        {
            schema["x-kubernetes-map-type"] = "atomic";
        }
    }

    private JsonObject FieldSchemaOf(TypeReference type, JsonObject components)
    {
        switch (type.Shape)
        {
            case TypeShape.Struct when type.Definition is { } definition:
                AddType(definition, components);
                return Ref(NameOf(definition));
            case TypeShape.List:
                return new JsonObject { ["type"] = "array", ["items"] = FieldSchemaOf(type.Element!, components) };
            case TypeShape.Map:
                return new JsonObject { ["type"] = "object", ["additionalProperties"] = FieldSchemaOf(type.Element!, components) };
            case TypeShape.Any:
                return new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
            default:
                return Scalar(type.Name, components);
        }
    }

    private static JsonObject Scalar(string name, JsonObject components)
    {
        switch (name)
        {
            case "int32" or "int64":
                return new JsonObject { ["type"] = "integer", ["format"] = name };
            case "boolean":
                return new JsonObject { ["type"] = "boolean" };
            case "number":
                return new JsonObject { ["type"] = "number", ["format"] = "double" };
            case "bytes":
                return new JsonObject { ["type"] = "string", ["format"] = "byte" };
            case "intorstring":
                components["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = new JsonObject { ["type"] = "string", ["format"] = "int-or-string" };
                return Ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
            case "quantity":
                components["io.k8s.apimachinery.pkg.api.resource.Quantity"] = new JsonObject { ["type"] = "string" };
                return Ref("io.k8s.apimachinery.pkg.api.resource.Quantity");
            case "time" or "microtime":
                var time = name == "time" ? "io.k8s.apimachinery.pkg.apis.meta.v1.Time" : "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
                components[time] = new JsonObject { ["type"] = "string", ["format"] = "date-time" };
                return Ref(time);
            default:
                return new JsonObject { ["type"] = "string" };
        }
    }

    private void AssignPackages(TypeDefinition type, string package)
    {
        if (!_packages.TryAdd(type.Name, MetaTypes.Contains(type.Name) ? "io.k8s.apimachinery.pkg.apis.meta.v1" : package))
        {
            return;
        }
        foreach (var field in type.Fields.Values)
        {
            for (var t = field.Type; t is not null; t = t.Element)
            {
                if (t.Definition is { } definition)
                {
                    AssignPackages(definition, package);
                }
            }
        }
    }

    // ListMeta is reached by no kind's fields, only by the list kinds: it is named in meta/v1 like the other meta types.
    private string NameOf(TypeDefinition type) =>
        $"{_packages.GetValueOrDefault(type.Name) ?? (MetaTypes.Contains(type.Name) ? "io.k8s.apimachinery.pkg.apis.meta.v1" : "io.k8s.api.core.v1")}.{type.GoName}";

    /// <summary>The Go package prefix of a group version (<c>io.k8s.api.apps.v1</c>).</summary>
    private static string PackageOf(string group, string version) => group switch
    {
        "" => $"io.k8s.api.core.{version}",
        "apiextensions.k8s.io" => $"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.{version}",
        "apiregistration.k8s.io" => $"io.k8s.kube-aggregator.pkg.apis.apiregistration.{version}",
        "rbac.authorization.k8s.io" => $"io.k8s.api.rbac.{version}",
        "flowcontrol.apiserver.k8s.io" => $"io.k8s.api.flowcontrol.{version}",
        _ => $"io.k8s.api.{group.Split('.')[0]}.{version}",
    };
}
