namespace Emulator.Kubernetes.Schema;

/// <summary>What shape a field's value has.</summary>
public enum TypeShape
{
    /// <summary>A scalar (string, integer, boolean, number, int-or-string, quantity).</summary>
    Scalar,

    /// <summary>A struct with declared fields.</summary>
    Struct,

    /// <summary>A map from strings to <see cref="TypeReference.Element"/>.</summary>
    Map,

    /// <summary>A list of <see cref="TypeReference.Element"/>.</summary>
    List,

    /// <summary>Free-form JSON: anything goes, nothing is checked.</summary>
    Any,
}

/// <summary>A field type in the schema.</summary>
public sealed class TypeReference
{
    internal TypeReference(TypeShape shape, string name, TypeReference? element = null)
    {
        Shape = shape;
        Name = name;
        Element = element;
    }

    /// <summary>The shape.</summary>
    public TypeShape Shape { get; }

    /// <summary>The scalar or struct type name (<c>string</c>, <c>PodSpec</c>).</summary>
    public string Name { get; }

    /// <summary>The element type of a map or list.</summary>
    public TypeReference? Element { get; }

    /// <summary>The struct definition, resolved after loading.</summary>
    public TypeDefinition? Definition { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => Shape switch
    {
        TypeShape.List => "[]" + Element,
        TypeShape.Map => $"map[{Element}]",
        _ => Name,
    };
}
