namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>A path from an object's root to one of its fields, list items or set members.</summary>
public sealed class FieldPath : IComparable<FieldPath>, IEquatable<FieldPath>
{
    private readonly PathElement[] _elements;

    /// <summary>A path of these elements.</summary>
    public FieldPath(IEnumerable<PathElement> elements)
    {
        _elements = elements.ToArray();
    }

    /// <summary>The path of these elements.</summary>
    public static FieldPath Of(params PathElement[] elements) => new(elements);

    /// <summary>The path of these field names (<c>spec</c>, <c>replicas</c>).</summary>
    public static FieldPath Fields(params string[] names) => new(names.Select(PathElement.Field));

    /// <summary>The elements, root first.</summary>
    public IReadOnlyList<PathElement> Elements => _elements;

    /// <summary>Number of elements.</summary>
    public int Count => _elements.Length;

    /// <summary>As conflict messages print it: <c>.spec.template.spec.containers[name="nginx"].image</c>.</summary>
    public override string ToString() => string.Concat(_elements.Select(e => e.ToString()));

    /// <inheritdoc />
    public int CompareTo(FieldPath? other)
    {
        if (other is null)
        {
            return 1;
        }
        for (var i = 0; ; i++)
        {
            if (i >= _elements.Length || i >= other._elements.Length)
            {
                return _elements.Length.CompareTo(other._elements.Length);
            }
            if (_elements[i].CompareTo(other._elements[i]) is var c and not 0)
            {
                return c;
            }
        }
    }

    /// <inheritdoc />
    public bool Equals(FieldPath? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is FieldPath other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _elements.Aggregate(0, (h, e) => HashCode.Combine(h, e));
}
