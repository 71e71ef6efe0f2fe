using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// A set of field paths, stored as structured-merge-diff's <c>fieldpath.Set</c> stores it: a trie whose nodes hold
/// the path elements that end there (members) and the ones that lead further (children), both kept sorted so the
/// set operations are merges and FieldsV1 comes out in Kubernetes' order. A path can be both a member and a prefix
/// of others: FieldsV1 writes that as <c>".": {}</c>.
/// </summary>
public sealed class FieldSet
{
    private readonly List<PathElement> _members;
    private readonly List<KeyValuePair<PathElement, FieldSet>> _children;

    /// <summary>An empty set.</summary>
    public FieldSet()
        : this([], [])
    {
    }

    private FieldSet(List<PathElement> members, List<KeyValuePair<PathElement, FieldSet>> children)
    {
        _members = members;
        _children = children;
    }

    /// <summary>A set of these paths.</summary>
    public static FieldSet Of(params FieldPath[] paths)
    {
        var set = new FieldSet();
        foreach (var path in paths)
        {
            set.Insert(path);
        }
        return set;
    }

    /// <summary>The elements that end a path here.</summary>
    public IReadOnlyList<PathElement> Members => _members;

    /// <summary>The elements that lead to longer paths, with what follows them.</summary>
    public IReadOnlyList<KeyValuePair<PathElement, FieldSet>> Children => _children;

    /// <summary>True when the set holds no path (a set never keeps an empty child).</summary>
    public bool IsEmpty => _members.Count == 0 && _children.Count == 0;

    /// <summary>Number of paths.</summary>
    public int Count => _members.Count + _children.Sum(c => c.Value.Count);

    /// <summary>Adds a path (the empty path is ignored, as Kubernetes does).</summary>
    public void Insert(FieldPath path) => Insert(path.Elements, 0);

    /// <summary>Adds the path made of <paramref name="elements"/> from <paramref name="start"/> on.</summary>
    internal void Insert(IReadOnlyList<PathElement> elements, int start)
    {
        var set = this;
        for (var i = start; i < elements.Count; i++)
        {
            if (i == elements.Count - 1)
            {
                InsertSorted(set._members, elements[i]);
                return;
            }
            set = set.Descend(elements[i]);
        }
    }

    /// <summary>True when the path is in the set.</summary>
    public bool Has(FieldPath path)
    {
        if (path.Count == 0)
        {
            return false;
        }
        var set = this;
        for (var i = 0; i < path.Count - 1; i++)
        {
            set = set.Child(path.Elements[i]);
            if (set is null)
            {
                return false;
            }
        }
        return set.HasMember(path.Elements[^1]);
    }

    /// <summary>True when the element ends a path at this level.</summary>
    public bool HasMember(PathElement element) => Find(_members, element) >= 0;

    /// <summary>What follows <paramref name="element"/> (a copy would not be needed: sets are not changed once built), or null.</summary>
    public FieldSet? Child(PathElement element)
    {
        var index = FindChild(_children, element);
        return index >= 0 ? _children[index].Value : null;
    }

    /// <summary>The paths below <paramref name="element"/>, without it (empty when none).</summary>
    public FieldSet WithPrefix(PathElement element) => Child(element) ?? new FieldSet();

    /// <summary>The paths in either set.</summary>
    public FieldSet Union(FieldSet other)
    {
        var members = MergeMembers(_members, other._members, keepLeft: true, keepRight: true, keepBoth: true);
        var children = new List<KeyValuePair<PathElement, FieldSet>>(_children.Count + other._children.Count);
        int i = 0, j = 0;
        while (i < _children.Count && j < other._children.Count)
        {
            var c = _children[i].Key.CompareTo(other._children[j].Key);
            if (c < 0)
            {
                children.Add(_children[i++]);
            }
            else if (c > 0)
            {
                children.Add(other._children[j++]);
            }
            else
            {
                children.Add(KeyValuePair.Create(_children[i].Key, _children[i].Value.Union(other._children[j].Value)));
                i++;
                j++;
            }
        }
        children.AddRange(_children.Skip(i));
        children.AddRange(other._children.Skip(j));
        return new FieldSet(members, children);
    }

    /// <summary>The paths in both sets.</summary>
    public FieldSet Intersection(FieldSet other)
    {
        var members = MergeMembers(_members, other._members, keepLeft: false, keepRight: false, keepBoth: true);
        var children = new List<KeyValuePair<PathElement, FieldSet>>();
        int i = 0, j = 0;
        while (i < _children.Count && j < other._children.Count)
        {
            var c = _children[i].Key.CompareTo(other._children[j].Key);
            if (c < 0)
            {
                i++;
            }
            else if (c > 0)
            {
                j++;
            }
            else
            {
                var both = _children[i].Value.Intersection(other._children[j].Value);
                if (!both.IsEmpty)
                {
                    children.Add(KeyValuePair.Create(_children[i].Key, both));
                }
                i++;
                j++;
            }
        }
        return new FieldSet(members, children);
    }

    /// <summary>The paths of this set that are not in <paramref name="other"/>.</summary>
    public FieldSet Difference(FieldSet other)
    {
        var members = MergeMembers(_members, other._members, keepLeft: true, keepRight: false, keepBoth: false);
        var children = new List<KeyValuePair<PathElement, FieldSet>>();
        int i = 0, j = 0;
        while (i < _children.Count && j < other._children.Count)
        {
            var c = _children[i].Key.CompareTo(other._children[j].Key);
            if (c < 0)
            {
                children.Add(_children[i++]);
            }
            else if (c > 0)
            {
                j++;
            }
            else
            {
                var rest = _children[i].Value.Difference(other._children[j].Value);
                if (!rest.IsEmpty)
                {
                    children.Add(KeyValuePair.Create(_children[i].Key, rest));
                }
                i++;
                j++;
            }
        }
        children.AddRange(_children.Skip(i));
        return new FieldSet(members, children);
    }

    /// <summary>
    /// The paths of this set that neither are in <paramref name="other"/> nor lie below one of its paths (Kubernetes'
    /// <c>RecursiveDifference</c>: removing <c>.status</c> removes everything under it).
    /// </summary>
    public FieldSet RecursiveDifference(FieldSet other)
    {
        var members = MergeMembers(_members, other._members, keepLeft: true, keepRight: false, keepBoth: false);
        var children = new List<KeyValuePair<PathElement, FieldSet>>();
        foreach (var (element, child) in _children)
        {
            if (other.HasMember(element))
            {
                continue;
            }
            if (other.Child(element) is { } below)
            {
                var rest = child.RecursiveDifference(below);
                if (!rest.IsEmpty)
                {
                    children.Add(KeyValuePair.Create(element, rest));
                }
            }
            else
            {
                children.Add(KeyValuePair.Create(element, child));
            }
        }
        return new FieldSet(members, children);
    }

    /// <summary>Only the paths below the given paths' prefixes: what a filter keeping <paramref name="prefixes"/> keeps.</summary>
    public FieldSet KeepOnly(FieldSet prefixes)
    {
        var members = MergeMembers(_members, prefixes._members, keepLeft: false, keepRight: false, keepBoth: true);
        var children = new List<KeyValuePair<PathElement, FieldSet>>();
        foreach (var (element, child) in _children)
        {
            if (prefixes.HasMember(element))
            {
                children.Add(KeyValuePair.Create(element, child));
            }
            else if (prefixes.Child(element) is { } below)
            {
                var kept = child.KeepOnly(below);
                if (!kept.IsEmpty)
                {
                    children.Add(KeyValuePair.Create(element, kept));
                }
            }
        }
        return new FieldSet(members, children);
    }

    /// <summary>Every path, members of a level before the paths below it, in order.</summary>
    public IEnumerable<FieldPath> Paths() => Paths([]);

    private IEnumerable<FieldPath> Paths(List<PathElement> prefix)
    {
        foreach (var member in _members)
        {
            yield return new FieldPath([.. prefix, member]);
        }
        foreach (var (element, child) in _children)
        {
            prefix.Add(element);
            foreach (var path in child.Paths(prefix))
            {
                yield return path;
            }
            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    /// <summary>True when both sets hold the same paths.</summary>
    public bool SetEquals(FieldSet other) => Difference(other).IsEmpty && other.Difference(this).IsEmpty;

    /// <summary>The paths, one a line (for diagnostics).</summary>
    public override string ToString() => string.Join("\n", Paths());

    /// <summary>The set as FieldsV1 (<c>{"f:spec":{"f:replicas":{}}}</c>), keys in Kubernetes' order.</summary>
    public JsonObject ToFieldsV1() => Write(includeSelf: false);

    private JsonObject Write(bool includeSelf)
    {
        var result = new JsonObject();
        if (includeSelf && (_members.Count > 0 || _children.Count > 0))
        {
            result["."] = new JsonObject();
        }
        int m = 0, c = 0;
        while (m < _members.Count || c < _children.Count)
        {
            var order = m >= _members.Count ? 1 : c >= _children.Count ? -1 : _members[m].CompareTo(_children[c].Key);
            if (order < 0)
            {
                result[_members[m++].Serialize()] = new JsonObject();
            }
            else if (order > 0)
            {
                result[_children[c].Key.Serialize()] = _children[c].Value.Write(includeSelf: false);
                c++;
            }
            else
            {
                result[_children[c].Key.Serialize()] = _children[c].Value.Write(includeSelf: true);
                m++;
                c++;
            }
        }
        return result;
    }

    /// <summary>Reads FieldsV1; keys of unknown kinds are skipped, as Kubernetes does.</summary>
    /// <exception cref="FormatException">When a key is malformed or a value is not an object.</exception>
    public static FieldSet FromFieldsV1(JsonNode? fields)
    {
        if (fields is null)
        {
            return new FieldSet();
        }
        if (fields is not JsonObject obj)
        {
            throw new FormatException("FieldsV1 must be an object");
        }
        return Read(obj, out _) ?? new FieldSet();
    }

    private static FieldSet? Read(JsonObject obj, out bool isMember)
    {
        FieldSet? children = null;
        isMember = false;
        foreach (var (key, value) in obj)
        {
            if (key == ".")
            {
                isMember = true;
                continue;
            }
            if (PathElement.Parse(key) is not { } element)
            {
                continue;
            }
            if (value is not JsonObject inner)
            {
                throw new FormatException($"expected an object for {key}");
            }
            var grandchildren = Read(inner, out var childIsMember);
            children ??= new FieldSet();
            if (childIsMember)
            {
                InsertSorted(children._members, element);
            }
            if (grandchildren is { IsEmpty: false })
            {
                var index = FindChild(children._children, element);
                if (index >= 0)
                {
                    children._children[index] = KeyValuePair.Create(element, children._children[index].Value.Union(grandchildren));
                }
                else
                {
                    children._children.Insert(~index, KeyValuePair.Create(element, grandchildren));
                }
            }
        }
        if (children is null)
        {
            isMember = true;
        }
        return children;
    }

    private FieldSet Descend(PathElement element)
    {
        var index = FindChild(_children, element);
        if (index >= 0)
        {
            return _children[index].Value;
        }
        var child = new FieldSet();
        _children.Insert(~index, KeyValuePair.Create(element, child));
        return child;
    }

    private static void InsertSorted(List<PathElement> list, PathElement element)
    {
        var index = Find(list, element);
        if (index < 0)
        {
            list.Insert(~index, element);
        }
    }

    private static int Find(List<PathElement> list, PathElement element)
    {
        int lo = 0, hi = list.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = list[mid].CompareTo(element);
            if (c == 0)
            {
                return mid;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ~lo;
    }

    private static int FindChild(List<KeyValuePair<PathElement, FieldSet>> list, PathElement element)
    {
        int lo = 0, hi = list.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = list[mid].Key.CompareTo(element);
            if (c == 0)
            {
                return mid;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ~lo;
    }

    private static List<PathElement> MergeMembers(List<PathElement> left, List<PathElement> right, bool keepLeft, bool keepRight, bool keepBoth)
    {
        var result = new List<PathElement>();
        int i = 0, j = 0;
        while (i < left.Count && j < right.Count)
        {
            var c = left[i].CompareTo(right[j]);
            if (c < 0)
            {
                if (keepLeft)
                {
                    result.Add(left[i]);
                }
                i++;
            }
            else if (c > 0)
            {
                if (keepRight)
                {
                    result.Add(right[j]);
                }
                j++;
            }
            else
            {
                if (keepBoth)
                {
                    result.Add(left[i]);
                }
                i++;
                j++;
            }
        }
        if (keepLeft)
        {
            result.AddRange(left.Skip(i));
        }
        if (keepRight)
        {
            result.AddRange(right.Skip(j));
        }
        return result;
    }
}
