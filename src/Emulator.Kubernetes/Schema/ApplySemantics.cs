using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Schema;

/// <summary>How a list is merged by server-side apply (<c>x-kubernetes-list-type</c>).</summary>
public enum ListType
{
    /// <summary>One value: owned and replaced as a whole.</summary>
    Atomic,

    /// <summary>A set of scalars: each value is owned on its own.</summary>
    Set,

    /// <summary>A map of objects keyed by some of their fields: each item is owned on its own.</summary>
    Map,
}

/// <summary>
/// The server-side apply markers of a field (the Go types' <c>+listType</c>, <c>+listMapKey</c>, <c>+mapType</c>,
/// <c>+default</c>) and whether the field is part of its Go struct's zero value. What a field does not say is implied
/// by its strategic-merge-patch metadata, as Kubernetes' schema conversion does.
/// </summary>
public sealed class ApplySemantics
{
    /// <summary>The declared list type, or null when the patch strategy implies it.</summary>
    public ListType? ListType { get; internal set; }

    /// <summary>The keys of a map list (<c>list=map:a,b</c>).</summary>
    public IReadOnlyList<string> ListMapKeys { get; internal set; } = [];

    /// <summary>True for <c>map=atomic</c>, false for <c>map=granular</c>, null when the type decides.</summary>
    public bool? AtomicMap { get; internal set; }

    /// <summary>The field's default value (a list-map key left out of an item takes it), or null.</summary>
    public JsonNode? Default { get; internal set; }

    /// <summary>True when the field is present in its Go struct's zero value.</summary>
    public bool InZeroValue { get; internal set; }

    /// <summary>True when the zero value holds it as <c>null</c> (a pointer, slice or map without omitempty).</summary>
    public bool ZeroIsNull { get; internal set; }

    /// <summary>Reads one <c>list=</c>, <c>map=</c>, <c>default=</c> or <c>zero</c> attribute into <paramref name="semantics"/>.</summary>
    /// <returns>False when the attribute is not one of these.</returns>
    /// <exception cref="FormatException">On a malformed value.</exception>
    internal static bool TryParse(string attribute, ApplySemantics semantics, int lineNumber)
    {
        if (attribute.StartsWith("list=", StringComparison.Ordinal))
        {
            var value = attribute["list=".Length..];
            if (value.StartsWith("map:", StringComparison.Ordinal))
            {
                semantics.ListType = Schema.ListType.Map;
                semantics.ListMapKeys = value["map:".Length..].Split(',', StringSplitOptions.RemoveEmptyEntries);
            }
            else
            {
                semantics.ListType = value switch
                {
                    "atomic" => Schema.ListType.Atomic,
                    "set" => Schema.ListType.Set,
                    _ => throw new FormatException($"schema line {lineNumber}: unknown list type '{value}'"),
                };
            }
            return true;
        }
        if (attribute.StartsWith("map=", StringComparison.Ordinal))
        {
            semantics.AtomicMap = attribute["map=".Length..] switch
            {
                "atomic" => true,
                "granular" => false,
                var other => throw new FormatException($"schema line {lineNumber}: unknown map type '{other}'"),
            };
            return true;
        }
        if (attribute.StartsWith("default=", StringComparison.Ordinal))
        {
            semantics.Default = JsonNode.Parse(attribute["default=".Length..]);
            return true;
        }
        if (attribute is "zero" or "zero=null")
        {
            semantics.InZeroValue = true;
            semantics.ZeroIsNull = attribute == "zero=null";
            return true;
        }
        return false;
    }
}
