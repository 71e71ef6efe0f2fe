namespace Emulator.Kubernetes.Schema;

/// <summary>A struct type: its fields, and whether unknown fields are tolerated.</summary>
public sealed class TypeDefinition
{
    internal TypeDefinition(string name, bool open, string? baseName, string? goName = null)
    {
        Name = name;
        Open = open;
        BaseName = baseName;
        GoName = goName ?? name;
    }

    /// <summary>Type name.</summary>
    public string Name { get; }

    /// <summary>The Go struct name (<c>PodSpec</c>), as decoding errors name the struct holding a field.</summary>
    public string GoName { get; }

    /// <summary>
    /// The Go type as <c>reflect</c> prints it (<c>v1.Container</c>): every served kind lives in a package named
    /// <c>v1</c> (core, apps, batch, discovery, events, coordination, autoscaling and meta alike).
    /// </summary>
    public string GoType => "v1." + GoName;

    /// <summary>True when fields not declared here are accepted (status types, loosely modelled structs).</summary>
    public bool Open { get; }

    /// <summary>True when server-side apply treats the struct as one value (<c>+structType=atomic</c>).</summary>
    public bool Atomic { get; internal init; }

    internal string? BaseName { get; }

    internal Dictionary<string, FieldDefinition> FieldMap { get; } = new(StringComparer.Ordinal);

    /// <summary>The declared fields, by JSON name.</summary>
    public IReadOnlyDictionary<string, FieldDefinition> Fields => FieldMap;

    /// <summary>The field named <paramref name="name"/>, or null.</summary>
    public FieldDefinition? Field(string name) => FieldMap.GetValueOrDefault(name);
}
