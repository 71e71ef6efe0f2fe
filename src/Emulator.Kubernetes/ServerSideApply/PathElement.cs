using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>What a <see cref="PathElement"/> selects.</summary>
public enum PathElementKind
{
    /// <summary>A field of an object (<c>f:name</c>).</summary>
    Field,

    /// <summary>The item of a map list with these key values (<c>k:{"name":"nginx"}</c>).</summary>
    Key,

    /// <summary>The member of a set with this value (<c>v:"x"</c>).</summary>
    Value,

    /// <summary>The item of a list at an index (<c>i:3</c>).</summary>
    Index,
}

/// <summary>
/// One step of a field path, as structured-merge-diff's <c>fieldpath.PathElement</c>: ordered fields first, then keys,
/// values and indexes (the order FieldsV1 is written in), printed as in conflict messages (<c>.spec</c>,
/// <c>[name="nginx"]</c>, <c>[="x"]</c>, <c>[3]</c>) and serialized as FieldsV1 keys.
/// </summary>
public sealed class PathElement : IComparable<PathElement>, IEquatable<PathElement>
{
    private PathElement(PathElementKind kind, string? fieldName, IReadOnlyList<KeyValuePair<string, JsonNode?>>? key, JsonNode? value, int index)
    {
        Kind = kind;
        FieldName = fieldName;
        Key = key;
        Value = value;
        Index = index;
    }

    /// <summary>What the element selects.</summary>
    public PathElementKind Kind { get; }

    /// <summary>The field name (<see cref="PathElementKind.Field"/>).</summary>
    public string? FieldName { get; }

    /// <summary>The key fields and values, sorted by name (<see cref="PathElementKind.Key"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, JsonNode?>>? Key { get; }

    /// <summary>The set member (<see cref="PathElementKind.Value"/>).</summary>
    public JsonNode? Value { get; }

    /// <summary>The index (<see cref="PathElementKind.Index"/>).</summary>
    public int Index { get; }

    /// <summary>An object field.</summary>
    public static PathElement Field(string name) => new(PathElementKind.Field, name, null, null, 0);

    /// <summary>A map-list item by its key fields (copied and sorted by name).</summary>
    public static PathElement Keyed(IEnumerable<KeyValuePair<string, JsonNode?>> fields) =>
        new(PathElementKind.Key, null, fields.Select(f => KeyValuePair.Create(f.Key, f.Value?.DeepClone()))
            .OrderBy(f => f.Key, StringComparer.Ordinal).ToArray(), null, 0);

    /// <summary>A set member (the value is copied).</summary>
    public static PathElement Member(JsonNode? value) => new(PathElementKind.Value, null, null, value?.DeepClone(), 0);

    /// <summary>A list index.</summary>
    public static PathElement At(int index) => new(PathElementKind.Index, null, null, null, index);

    /// <inheritdoc />
    public int CompareTo(PathElement? other)
    {
        if (other is null)
        {
            return 1;
        }
        if (Kind != other.Kind)
        {
            return Kind.CompareTo(other.Kind);
        }
        switch (Kind)
        {
            case PathElementKind.Field:
                return Math.Sign(string.CompareOrdinal(FieldName, other.FieldName));
            case PathElementKind.Key:
                for (var i = 0; ; i++)
                {
                    if (i >= Key!.Count || i >= other.Key!.Count)
                    {
                        return Key.Count.CompareTo(other.Key!.Count);
                    }
                    if (Math.Sign(string.CompareOrdinal(Key[i].Key, other.Key[i].Key)) is var n and not 0)
                    {
                        return n;
                    }
                    if (ValueOrder.Compare(Key[i].Value, other.Key[i].Value) is var v and not 0)
                    {
                        return v;
                    }
                }
            case PathElementKind.Value:
                return ValueOrder.Compare(Value, other.Value);
            default:
                return Index.CompareTo(other.Index);
        }
    }

    /// <inheritdoc />
    public bool Equals(PathElement? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PathElement other && Equals(other);

    private int _hash;

    /// <inheritdoc />
    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            var hash = Kind switch
            {
                PathElementKind.Field => HashCode.Combine(Kind, FieldName),
                PathElementKind.Index => HashCode.Combine(Kind, Index),
                PathElementKind.Value => HashCode.Combine(Kind, ValueOrder.Hash(Value)),
                _ => Key!.Aggregate((int)Kind, (h, k) => HashCode.Combine(h, k.Key, ValueOrder.Hash(k.Value))),
            };
            _hash = hash == 0 ? 1 : hash;
        }
        return _hash;
    }

    /// <summary>As conflict paths print it: <c>.name</c>, <c>[name="nginx"]</c>, <c>[=80]</c>, <c>[3]</c>.</summary>
    public override string ToString() => Kind switch
    {
        PathElementKind.Field => "." + FieldName,
        PathElementKind.Key => "[" + string.Join(",", Key!.Select(k => $"{k.Key}={ValueOrder.Print(k.Value)}")) + "]",
        PathElementKind.Value => $"[={ValueOrder.Print(Value)}]",
        _ => "[" + Index.ToString(CultureInfo.InvariantCulture) + "]",
    };

    /// <summary>The FieldsV1 key: <c>f:name</c>, <c>k:{"containerPort":80,"protocol":"TCP"}</c>, <c>v:"x"</c>, <c>i:3</c>.</summary>
    public string Serialize()
    {
        switch (Kind)
        {
            case PathElementKind.Field:
                return "f:" + FieldName;
            case PathElementKind.Key:
                var builder = new StringBuilder("k:{");
                for (var i = 0; i < Key!.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }
                    builder.Append(ValueOrder.Json(JsonValue.Create(Key[i].Key))).Append(':').Append(ValueOrder.Json(Key[i].Value));
                }
                return builder.Append('}').ToString();
            case PathElementKind.Value:
                return "v:" + ValueOrder.Json(Value);
            default:
                return "i:" + Index.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Reads a FieldsV1 key; null for an unknown kind of element (which Kubernetes drops too).</summary>
    /// <exception cref="FormatException">When the key is malformed.</exception>
    public static PathElement? Parse(string text)
    {
        if (text.Length < 2 || text[1] != ':')
        {
            throw new FormatException(text.Length < 2 ? "key must be 2 characters long:" : $"missing colon: {text}");
        }
        var body = text[2..];
        try
        {
            switch (text[0])
            {
                case 'f':
                    return Field(body);
                case 'v':
                    return Member(JsonNode.Parse(body));
                case 'k':
                    if (JsonNode.Parse(body) is not JsonObject key)
                    {
                        throw new FormatException($"expected an object in {text}");
                    }
                    return Keyed(key.Select(p => KeyValuePair.Create(p.Key, p.Value)));
                case 'i':
                    return At(int.Parse(body, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
                default:
                    return null;
            }
        }
        catch (JsonException e)
        {
            throw new FormatException(e.Message, e);
        }
    }
}
