using System.Text.Json.Nodes;
using Emulator.Kubernetes.Schema;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// The operations server-side apply performs on objects against their <see cref="ApplyType"/>, as
/// structured-merge-diff's <c>typed</c> package does: the field set a configuration sets, the comparison of two
/// versions, the merge of a configuration into a live object, and the removal of fields.
/// </summary>
public static class TypedValue
{
    private enum Shape
    {
        Leaf,
        Map,
        List,
    }

    /// <summary>How a value of <paramref name="type"/> is walked: objects and lists of matching types are descended into.</summary>
    private static Shape ShapeOf(ApplyType type, JsonNode? value) => type.Shape switch
    {
        ApplyShape.Struct or ApplyShape.Map => value is null or JsonObject ? Shape.Map : Shape.Leaf,
        ApplyShape.List => value is null or JsonArray ? Shape.List : Shape.Leaf,
        ApplyShape.Deduced => value is null or JsonObject ? Shape.Map : Shape.Leaf,
        _ => Shape.Leaf,
    };

    private static bool IsAtomic(ApplyType type) => type.Shape is not ApplyShape.Deduced && type.Atomic;

    private static bool IsDeclared(ApplyType type, string key) => type.Shape == ApplyShape.Struct && type.Declares(key);

    /// <summary>
    /// The fields a value sets (structured-merge-diff's <c>ToFieldSet</c>): scalars and atomic values are members,
    /// list items and map keys are members (with their content below them), struct fields only their content
    /// unless they are null or an empty object.
    /// </summary>
    /// <param name="value">The value (an object).</param>
    /// <param name="type">Its type.</param>
    /// <param name="errors">When given, receives why the value does not fit its type (undeclared fields, duplicate or key-less list items), as Kubernetes prints them.</param>
    public static FieldSet ToFieldSet(JsonNode? value, ApplyType type, List<string>? errors = null)
    {
        var set = new FieldSet();
        var path = new List<PathElement>();
        ToFieldSet(value, type, path, set, errors);
        return set;
    }

    private static void ToFieldSet(JsonNode? value, ApplyType type, List<PathElement> path, FieldSet set, List<string>? errors)
    {
        switch (ShapeOf(type, value))
        {
            case Shape.Leaf:
                set.Insert(path, 0);
                return;
            case Shape.List:
                if (IsAtomic(type))
                {
                    set.Insert(path, 0);
                    return;
                }
                if (value is not JsonArray list)
                {
                    return;
                }
                var elements = new PathElement?[list.Count];
                var seen = new HashSet<PathElement>();
                var duplicates = new HashSet<PathElement>();
                for (var i = 0; i < list.Count; i++)
                {
                    elements[i] = ItemElement(type, list[i], out var error);
                    if (elements[i] is not { } element)
                    {
                        errors?.Add($"{Print(path)}: element {i}: {error}");
                    }
                    else if (!seen.Add(element) && duplicates.Add(element))
                    {
                        errors?.Add($"{Print(path)}: duplicate entries for key {element}");
                        path.Add(element);
                        set.Insert(path, 0);
                        path.RemoveAt(path.Count - 1);
                    }
                }
                for (var i = 0; i < list.Count; i++)
                {
                    if (elements[i] is not { } element || duplicates.Contains(element))
                    {
                        continue;
                    }
                    path.Add(element);
                    ToFieldSet(list[i], type.Element ?? ApplyType.Untyped, path, set, errors);
                    set.Insert(path, 0);
                    path.RemoveAt(path.Count - 1);
                }
                return;
            default:
                if (IsAtomic(type))
                {
                    set.Insert(path, 0);
                    return;
                }
                if (value is not JsonObject map)
                {
                    return;
                }
                foreach (var (key, child) in map)
                {
                    var declared = IsDeclared(type, key);
                    path.Add(PathElement.Field(key));
                    if (!declared && type.Shape == ApplyShape.Struct && type.Element is null && errors is not null)
                    {
                        errors.Add($"{Print(path)}: field not declared in schema");
                    }
                    ToFieldSet(child, type.ChildType(key), path, set, errors);
                    if (child is null || child is JsonObject { Count: 0 } || !declared)
                    {
                        set.Insert(path, 0);
                    }
                    path.RemoveAt(path.Count - 1);
                }
                return;
        }
    }

    private static string Print(List<PathElement> path) => string.Concat(path.Select(e => e.ToString()));

    /// <summary>
    /// The path element of a list item: its key fields (a key the item leaves out takes the field's default) for a
    /// map list, its value for a set; null with the reason when the item cannot be one.
    /// </summary>
    private static PathElement? ItemElement(ApplyType list, JsonNode? item, out string error)
    {
        error = "";
        if (list.ListType == ListType.Map)
        {
            if (item is null)
            {
                error = "associative list with keys may not have a null element";
                return null;
            }
            if (item is not JsonObject obj)
            {
                error = "associative list with keys may not have non-map elements";
                return null;
            }
            var key = new List<KeyValuePair<string, JsonNode?>>(list.Keys.Count);
            foreach (var name in list.Keys)
            {
                if (obj.TryGetPropertyValue(name, out var value))
                {
                    key.Add(KeyValuePair.Create(name, value));
                }
                else if (list.Element?.FieldDefault(name) is { } fallback)
                {
                    key.Add(KeyValuePair.Create<string, JsonNode?>(name, fallback));
                }
                else
                {
                    error = $"associative list with keys has an element that omits key field \"{name}\" (and doesn't have default value)";
                    return null;
                }
            }
            return PathElement.Keyed(key);
        }
        switch (item)
        {
            case JsonObject:
                error = "associative list without keys has an element that's a map type";
                return null;
            case JsonArray:
                error = "not supported: associative list with lists as elements";
                return null;
            case null:
                error = "associative list without keys has an element that's an explicit null";
                return null;
            default:
                return PathElement.Member(item);
        }
    }

    /// <summary>
    /// Compares two versions of a value (structured-merge-diff's <c>Compare</c>). Lists and objects that are empty or
    /// null on both sides are compared as one value; a struct, map or list item one side lacks is itself added or removed.
    /// </summary>
    /// <param name="lhs">The old version (null: absent).</param>
    /// <param name="rhs">The new version (null: absent).</param>
    /// <param name="type">Their type.</param>
    /// <param name="onlyField">Compare only this top-level field (the others count as unchanged).</param>
    /// <param name="skipField">Do not compare this top-level field.</param>
    public static Comparison Compare(JsonObject? lhs, JsonObject? rhs, ApplyType type, string? onlyField = null, string? skipField = null)
    {
        var comparison = new Comparison(new FieldSet(), new FieldSet(), new FieldSet());
        var path = new List<PathElement>();
        if (onlyField is not null || skipField is not null)
        {
            // The same walk as below, limited at the root (the filtered fields would be dropped anyway).
            var keys = new List<string>();
            AddKeys(keys, lhs);
            AddKeys(keys, rhs);
            foreach (var key in keys)
            {
                if (onlyField is not null && key != onlyField || key == skipField)
                {
                    continue;
                }
                path.Add(PathElement.Field(key));
                CompareField(lhs, rhs, key, type, path, comparison);
                path.RemoveAt(path.Count - 1);
            }
            return comparison;
        }
        Compare(new(lhs is not null, lhs), new(rhs is not null, rhs), type, path, comparison);
        return comparison;
    }

    private static void AddKeys(List<string> keys, JsonObject? obj)
    {
        if (obj is null)
        {
            return;
        }
        foreach (var (key, _) in obj)
        {
            if (!keys.Contains(key))
            {
                keys.Add(key);
            }
        }
    }

    /// <summary>A value that may be absent (which differs from a present <c>null</c>).</summary>
    private readonly record struct Present(bool Has, JsonNode? Value);

    private static Present Slot(JsonObject? obj, string key) =>
        obj is not null && obj.TryGetPropertyValue(key, out var value) ? new(true, value) : default;

    /// <summary>Compares two values as one (a scalar, an atomic value, an empty object or list).</summary>
    private static void CompareLeaf(Present lhs, Present rhs, List<PathElement> path, Comparison comparison)
    {
        if (!lhs.Has)
        {
            comparison.Added.Insert(path, 0);
        }
        else if (!rhs.Has)
        {
            comparison.Removed.Insert(path, 0);
        }
        else if (!ValueOrder.Equal(lhs.Value, rhs.Value))
        {
            comparison.Modified.Insert(path, 0);
        }
    }

    private static void Compare(Present lhs, Present rhs, ApplyType type, List<PathElement> path, Comparison comparison)
    {
        var inLeaf = false;

        var left = lhs.Has ? ShapeOf(type, lhs.Value) : (Shape?)null;
        var right = rhs.Has ? ShapeOf(type, rhs.Value) : (Shape?)null;
        if (left is { } l && right is { } r && l != r)
        {
            // A value that changed shape (an untyped field from an object to a string): it changed as a whole, and
            // what the old object held below it is gone.
            comparison.Modified.Insert(path, 0);
            if (l != Shape.Leaf)
            {
                Compare(lhs, default, type, path, comparison);
            }
            return;
        }
        switch (right ?? left)
        {
            case Shape.Leaf:
                inLeaf = true;
                CompareLeaf(lhs, rhs, path, comparison);
                break;
            case Shape.List:
                var leftList = lhs.Value as JsonArray;
                var rightList = rhs.Value as JsonArray;
                if (IsAtomic(type) || leftList is not { Count: > 0 } && rightList is not { Count: > 0 })
                {
                    inLeaf = true;
                    CompareLeaf(lhs, rhs, path, comparison);
                    break;
                }
                CompareItems(leftList, rightList, type, path, comparison);
                break;
            default:
                var leftMap = lhs.Value as JsonObject;
                var rightMap = rhs.Value as JsonObject;
                if (IsAtomic(type) || leftMap is not { Count: > 0 } && rightMap is not { Count: > 0 })
                {
                    inLeaf = true;
                    CompareLeaf(lhs, rhs, path, comparison);
                    break;
                }
                if (leftMap is not null)
                {
                    foreach (var (key, _) in leftMap)
                    {
                        path.Add(PathElement.Field(key));
                        CompareField(leftMap, rightMap, key, type, path, comparison);
                        path.RemoveAt(path.Count - 1);
                    }
                }
                if (rightMap is not null)
                {
                    foreach (var (key, _) in rightMap)
                    {
                        if (leftMap is not null && leftMap.ContainsKey(key))
                        {
                            continue;
                        }
                        path.Add(PathElement.Field(key));
                        CompareField(leftMap, rightMap, key, type, path, comparison);
                        path.RemoveAt(path.Count - 1);
                    }
                }
                break;
        }
        if (!inLeaf)
        {
            if (!lhs.Has)
            {
                comparison.Added.Insert(path, 0);
            }
            else if (!rhs.Has)
            {
                comparison.Removed.Insert(path, 0);
            }
        }
    }

    /// <summary>
    /// Compares one field of two objects. A field of the Go type's zero value (a value struct, a field without
    /// omitempty) that one side's JSON lacks is compared as its zero value, as both objects would hold it once read
    /// into the kind's type: a Deployment always has a <c>status</c>, so a first status write does not add it.
    /// </summary>
    private static void CompareField(JsonObject? leftMap, JsonObject? rightMap, string key, ApplyType type, List<PathElement> path, Comparison comparison)
    {
        if (path.Count == 2 && key == "managedFields" && path[0].FieldName == "metadata")
        {
            // The record of ownership is not part of what is owned.
            return;
        }
        var left = Slot(leftMap, key);
        var right = Slot(rightMap, key);
        if (left.Has != right.Has && type.Shape == ApplyShape.Struct && type.TryGetZero(key, out var zero))
        {
            if (left.Has)
            {
                right = new(true, zero);
            }
            else
            {
                left = new(true, zero);
            }
        }
        Compare(left, right, type.ChildType(key), path, comparison);
    }

    private static void CompareItems(JsonArray? lhs, JsonArray? rhs, ApplyType type, List<PathElement> path, Comparison comparison)
    {
        var order = new List<PathElement>();
        var left = Index(lhs, type, order, null);
        var right = Index(rhs, type, order, left);
        var element = type.Element ?? ApplyType.Untyped;
        foreach (var pe in order)
        {
            var leftItems = left.GetValueOrDefault(pe);
            var rightItems = right.GetValueOrDefault(pe);
            var leftCount = leftItems?.Count ?? 0;
            var rightCount = rightItems?.Count ?? 0;
            path.Add(pe);
            if (leftCount <= 1 && rightCount <= 1)
            {
                Compare(leftCount == 1 ? new(true, leftItems![0]) : default, rightCount == 1 ? new(true, rightItems![0]) : default, element, path, comparison);
            }
            else if (leftCount >= 2 && rightCount >= 2)
            {
                // Duplicates on both sides: compared as one value.
                if (leftCount != rightCount || leftItems!.Zip(rightItems!).Any(p => !ValueOrder.Equal(p.First, p.Second)))
                {
                    comparison.Modified.Insert(path, 0);
                }
            }
            else if (leftCount >= 2)
            {
                if (rightCount != 0)
                {
                    Compare(default, new(true, rightItems![0]), element, path, comparison);
                }
                comparison.Removed.Insert(path, 0);
            }
            else
            {
                if (leftCount != 0)
                {
                    Compare(new(true, leftItems![0]), default, element, path, comparison);
                }
                comparison.Added.Insert(path, 0);
            }
            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>The items of a list by path element (several for duplicates), adding new elements to <paramref name="order"/>.</summary>
    private static Dictionary<PathElement, List<JsonNode?>> Index(JsonArray? list, ApplyType type, List<PathElement> order, Dictionary<PathElement, List<JsonNode?>>? earlier)
    {
        var items = new Dictionary<PathElement, List<JsonNode?>>();
        if (list is null)
        {
            return items;
        }
        foreach (var item in list)
        {
            if (ItemElement(type, item, out _) is not { } pe)
            {
                continue;
            }
            if (items.TryGetValue(pe, out var same))
            {
                same.Add(item);
                continue;
            }
            items[pe] = [item];
            if (earlier is null || !earlier.ContainsKey(pe))
            {
                order.Add(pe);
            }
        }
        return items;
    }

    /// <summary>
    /// Merges a configuration into a live value (structured-merge-diff's <c>Merge</c> with its keep-the-configuration
    /// rule): objects merge key by key, map lists and sets item by item (the configuration's items in its order, the
    /// live object's others where they were), everything else — scalars, atomic lists and objects — takes the
    /// configuration's value. Fields set to null are left out, as decoding into the kind's types drops them.
    /// </summary>
    /// <exception cref="ApplyException">When the configuration has duplicate or key-less items in a map list.</exception>
    public static JsonObject Merge(JsonObject? live, JsonObject config, ApplyType type)
    {
        var merged = MergeValue(new(live is not null, live), new(true, config), type);
        return merged.Value as JsonObject ?? [];
    }

    private static Present MergeValue(Present lhs, Present rhs, ApplyType type)
    {
        var left = lhs.Has ? ShapeOf(type, lhs.Value) : (Shape?)null;
        var right = rhs.Has ? ShapeOf(type, rhs.Value) : (Shape?)null;
        if (left is { } l && right is { } r && l != r)
        {
            // The configuration changed the value's shape: it is taken as it is.
            lhs = default;
        }
        Present Leaf() => rhs.Has ? new(true, rhs.Value?.DeepClone()) : new(lhs.Has, lhs.Value?.DeepClone());
        switch (right ?? left)
        {
            case Shape.List:
                var leftList = lhs.Value as JsonArray;
                var rightList = rhs.Value as JsonArray;
                if (IsAtomic(type) || leftList is not { Count: > 0 } && rightList is not { Count: > 0 })
                {
                    return Leaf();
                }
                var items = MergeItems(leftList, rightList, type);
                return items.Count > 0 ? new(true, items) : default;
            case Shape.Map:
                var leftMap = lhs.Value as JsonObject;
                var rightMap = rhs.Value as JsonObject;
                if (IsAtomic(type) || leftMap is not { Count: > 0 } && rightMap is not { Count: > 0 })
                {
                    return Leaf();
                }
                var result = new JsonObject();
                if (leftMap is not null)
                {
                    foreach (var (key, value) in leftMap)
                    {
                        var merged = MergeValue(new(true, value), Slot(rightMap, key), type.ChildType(key));
                        if (merged is { Has: true, Value: not null })
                        {
                            result[key] = merged.Value;
                        }
                    }
                }
                if (rightMap is not null)
                {
                    foreach (var (key, value) in rightMap)
                    {
                        if (leftMap is not null && leftMap.ContainsKey(key))
                        {
                            continue;
                        }
                        var merged = MergeValue(default, new(true, value), type.ChildType(key));
                        if (merged is { Has: true, Value: not null })
                        {
                            result[key] = merged.Value;
                        }
                    }
                }
                return result.Count > 0 ? new(true, result) : default;
            default:
                return Leaf();
        }
    }

    /// <summary>Structured-merge-diff's list merge: shared items in the configuration's order, live-only items kept in place.</summary>
    private static JsonArray MergeItems(JsonArray? lhs, JsonArray? rhs, ApplyType type)
    {
        var element = type.Element ?? ApplyType.Untyped;
        var rightElements = new List<PathElement>();
        var observedRight = new Dictionary<PathElement, JsonNode?>();
        var errors = new List<string>();
        if (rhs is not null)
        {
            for (var i = 0; i < rhs.Count; i++)
            {
                if (ItemElement(type, rhs[i], out var error) is not { } pe)
                {
                    errors.Add($"element {i}: {error}");
                    continue;
                }
                if (!observedRight.TryAdd(pe, rhs[i]))
                {
                    errors.Add($"duplicate entries for key {pe}");
                    continue;
                }
                rightElements.Add(pe);
            }
        }
        if (errors.Count > 0)
        {
            throw new ApplyException(string.Join("\n", errors));
        }
        var leftElements = new List<PathElement>();
        var leftItems = new List<JsonNode?>();
        var observedLeft = new Dictionary<PathElement, Present>();
        if (lhs is not null)
        {
            foreach (var item in lhs)
            {
                if (ItemElement(type, item, out _) is not { } pe)
                {
                    continue;
                }
                // A duplicated live item is not merged with the configuration's.
                observedLeft[pe] = observedLeft.ContainsKey(pe) ? new(true, null) : new(true, item);
                leftElements.Add(pe);
                leftItems.Add(item);
            }
        }
        var shared = new Queue<PathElement>(rightElements.Where(observedLeft.ContainsKey));
        PathElement? nextShared = shared.Count > 0 ? shared.Dequeue() : null;
        var mergedRight = new HashSet<PathElement>();
        var output = new JsonArray();
        void Add(Present item)
        {
            if (item.Has)
            {
                output.Add(item.Value);
            }
        }
        int li = 0, ri = 0;
        while (li < leftElements.Count || ri < rightElements.Count)
        {
            if (li < leftElements.Count && ri < rightElements.Count)
            {
                var pe = leftElements[li];
                if (pe.Equals(rightElements[ri]))
                {
                    mergedRight.Add(pe);
                    Add(MergeValue(observedLeft[pe], new(true, observedRight[pe]), element));
                    li++;
                    ri++;
                    nextShared = shared.Count > 0 ? shared.Dequeue() : null;
                    continue;
                }
                if (observedRight.ContainsKey(pe) && nextShared is not null && !nextShared.Equals(pe))
                {
                    // A shared item, but not the one the configuration places next.
                    li++;
                    continue;
                }
            }
            if (li < leftElements.Count)
            {
                var pe = leftElements[li];
                if (!observedRight.ContainsKey(pe))
                {
                    Add(MergeValue(new(true, leftItems[li]), default, element));
                    li++;
                    continue;
                }
                if (mergedRight.Contains(pe))
                {
                    li++;
                }
            }
            if (ri < rightElements.Count)
            {
                var pe = rightElements[ri];
                mergedRight.Add(pe);
                Add(MergeValue(observedLeft.GetValueOrDefault(pe), new(true, observedRight[pe]), element));
                ri++;
                if (nextShared is not null && nextShared.Equals(pe))
                {
                    nextShared = shared.Count > 0 ? shared.Dequeue() : null;
                }
            }
        }
        return output;
    }

    /// <summary>
    /// The value without the fields of <paramref name="toRemove"/> (structured-merge-diff's <c>RemoveItems</c>): only
    /// the branches holding removed paths are rebuilt; an object or list left empty goes too.
    /// </summary>
    public static JsonObject RemoveItems(JsonObject value, FieldSet toRemove, ApplyType type) =>
        Remove(value, toRemove, type) as JsonObject ?? [];

    private static JsonNode? Remove(JsonNode? value, FieldSet toRemove, ApplyType type)
    {
        switch (ShapeOf(type, value))
        {
            case Shape.List:
                if (value is not JsonArray { Count: > 0 } list || IsAtomic(type))
                {
                    return null;
                }
                var element = type.Element ?? ApplyType.Untyped;
                var items = new JsonArray();
                foreach (var item in list)
                {
                    if (ItemElement(type, item, out _) is not { } pe)
                    {
                        items.Add(item?.DeepClone());
                        continue;
                    }
                    if (toRemove.HasMember(pe))
                    {
                        continue;
                    }
                    if (toRemove.Child(pe) is { IsEmpty: false } below)
                    {
                        if (Remove(item, below, element) is { } kept)
                        {
                            items.Add(kept);
                        }
                        continue;
                    }
                    items.Add(item?.DeepClone());
                }
                return items.Count > 0 ? items : null;
            case Shape.Map:
                if (value is not JsonObject { Count: > 0 } map || IsAtomic(type))
                {
                    return null;
                }
                var result = new JsonObject();
                foreach (var (key, child) in map)
                {
                    var pe = PathElement.Field(key);
                    if (toRemove.HasMember(pe))
                    {
                        continue;
                    }
                    if (toRemove.Child(pe) is { IsEmpty: false } below)
                    {
                        if (Remove(child, below, type.ChildType(key)) is { } kept)
                        {
                            result[key] = kept;
                        }
                        continue;
                    }
                    result[key] = child?.DeepClone();
                }
                return result.Count > 0 ? result : null;
            default:
                return value?.DeepClone();
        }
    }

    /// <summary>
    /// The set with every declared struct field that has paths below it also a member (structured-merge-diff's
    /// <c>EnsureNamedFieldsAreMembers</c>), so that removing a field set removes those fields themselves.
    /// </summary>
    public static FieldSet EnsureNamedFieldsAreMembers(FieldSet set, ApplyType? type)
    {
        var result = new FieldSet();
        foreach (var member in set.Members)
        {
            result.Insert(FieldPath.Of(member));
        }
        foreach (var (element, child) in set.Children)
        {
            ApplyType? childType = null;
            if (element.Kind == PathElementKind.Field && type is { Shape: ApplyShape.Struct or ApplyShape.Map or ApplyShape.Deduced })
            {
                if (type.Shape == ApplyShape.Struct && type.Declares(element.FieldName!))
                {
                    result.Insert(FieldPath.Of(element));
                }
                childType = type.ChildType(element.FieldName!);
            }
            else if (element.Kind == PathElementKind.Key && type is { Shape: ApplyShape.List })
            {
                childType = type.Element;
            }
            var below = EnsureNamedFieldsAreMembers(child, childType);
            foreach (var path in below.Paths())
            {
                result.Insert(new FieldPath([element, .. path.Elements]));
            }
        }
        return result;
    }
}
