namespace Emulator.Kubernetes.Schema;

/// <summary>A struct type: its fields, and whether unknown fields are tolerated.</summary>
public sealed class TypeDefinition
{
    internal TypeDefinition(string name, bool open, string? baseName)
    {
        Name = name;
        Open = open;
        BaseName = baseName;
    }

    /// <summary>Type name.</summary>
    public string Name { get; }

    /// <summary>True when fields not declared here are accepted (status types, loosely modelled structs).</summary>
    public bool Open { get; }

    internal string? BaseName { get; }

    internal Dictionary<string, FieldDefinition> FieldMap { get; } = new(StringComparer.Ordinal);

    /// <summary>The declared fields, by JSON name.</summary>
    public IReadOnlyDictionary<string, FieldDefinition> Fields => FieldMap;

    /// <summary>The field named <paramref name="name"/>, or null.</summary>
    public FieldDefinition? Field(string name) => FieldMap.GetValueOrDefault(name);
}
