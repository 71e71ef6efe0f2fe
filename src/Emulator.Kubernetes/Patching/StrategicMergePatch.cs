using System.Text.Json.Nodes;
using Emulator.Kubernetes.Schema;

namespace Emulator.Kubernetes.Patching;

/// <summary>
/// Strategic merge patch as the API server applies it (<c>strategicpatch.StrategicMergePatch</c>):
/// maps merge, <c>null</c> deletes a key, lists of objects merge by their merge key
/// (containers by <c>name</c>, ports by <c>containerPort</c>, ...), lists without a merge strategy are replaced,
/// and the directives <c>$patch: replace|delete|merge</c>, <c>$setElementOrder/&lt;field&gt;</c>, <c>$retainKeys</c>
/// and <c>$deleteFromPrimitiveList/&lt;field&gt;</c> are honoured. Without a schema (unknown kinds) it degrades to
/// merge-patch behaviour: maps merge, lists are replaced.
/// </summary>
public static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder/";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="original"/>.</summary>
    /// <param name="original">The live object.</param>
    /// <param name="patch">The patch document (an object).</param>
    /// <param name="type">The schema type of the document, or null for unknown kinds.</param>
    /// <exception cref="PatchException">On a malformed patch or bad directive.</exception>
    public static JsonObject Apply(JsonObject original, JsonNode? patch, TypeDefinition? type)
    {
        if (patch is not JsonObject patchObject)
        {
            throw new PatchException("strategic merge patch must be a JSON object");
        }
        return MergeMap((JsonObject)original.DeepClone(), (JsonObject)patchObject.DeepClone(), type);
    }

    private static JsonObject MergeMap(JsonObject original, JsonObject patch, TypeDefinition? type)
    {
        if (patch.TryGetPropertyValue(PatchDirective, out var directive))
        {
            switch (JsonTree.AsString(directive))
            {
                case "replace":
                    patch.Remove(PatchDirective);
                    return (JsonObject)StripDirectives(patch);
                case "delete":
                    return new JsonObject();
                case "merge":
                    patch.Remove(PatchDirective);
                    break;
                default:
                    throw new PatchException($"unknown patch type: {JsonTree.ToCompactJson(directive)} in map: {JsonTree.ToCompactJson(patch)}");
            }
        }

        if (patch.TryGetPropertyValue(RetainKeysDirective, out var retain))
        {
            if (retain is not JsonArray retainList)
            {
                throw new PatchException($"invalid type for $retainKeys: {JsonTree.ToCompactJson(retain)}");
            }
            var keep = retainList.Select(JsonTree.AsString).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var key in original.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key))
                {
                    original.Remove(key);
                }
            }
            patch.Remove(RetainKeysDirective);
        }

        var orders = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        foreach (var (key, value) in patch.ToList())
        {
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                var field = key[DeleteFromPrimitiveListPrefix.Length..];
                if (value is not JsonArray toDelete)
                {
                    throw new PatchException($"invalid type for {key}: expected a list");
                }
                if (original[field] is JsonArray list)
                {
                    foreach (var item in list.ToList())
                    {
                        if (toDelete.Any(d => JsonTree.DeepEquals(d, item)))
                        {
                            list.Remove(item);
                        }
                    }
                }
                patch.Remove(key);
            }
            else if (key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                if (value is not JsonArray order)
                {
                    throw new PatchException($"invalid type for {key}: expected a list");
                }
                orders[key[SetElementOrderPrefix.Length..]] = order;
                patch.Remove(key);
            }
        }

        foreach (var (key, value) in patch.ToList())
        {
            var field = type?.Field(key);
            patch.Remove(key);
            if (value is null)
            {
                original.Remove(key);
                continue;
            }
            original.TryGetPropertyValue(key, out var existing);
            original[key] = MergeValue(existing is null ? null : Detach(original, key), value, field);
        }

        foreach (var (key, order) in orders)
        {
            if (original[key] is JsonArray list)
            {
                var field = type?.Field(key);
                original[key] = Reorder(list, order, field?.MergeKey);
            }
        }
        return original;
    }

    // Detaches the value so it can be merged and re-attached, keeping the key's position in the object.
    private static JsonNode? Detach(JsonObject parent, string key)
    {
        var node = parent[key];
        if (parent.ContainsKey(key))
        {
            parent[key] = null;
        }
        return node;
    }

    private static JsonNode? MergeValue(JsonNode? original, JsonNode patch, FieldDefinition? field)
    {
        var elementType = field?.Type;
        switch (patch)
        {
            case JsonObject patchMap:
                var structType = elementType?.Shape == TypeShape.Struct ? elementType.Definition : null;
                var mapElement = elementType?.Shape == TypeShape.Map ? elementType.Element : null;
                if (field is not null && field.Strategies.Contains("replace"))
                {
                    return StripDirectives(patchMap);
                }
                if (original is JsonObject originalMap)
                {
                    return mapElement is { Shape: TypeShape.Struct } ? MergeMapOfStructs(originalMap, patchMap, mapElement.Definition) : MergeMap(originalMap, patchMap, structType);
                }
                return MergeMap(new JsonObject(), patchMap, structType);
            case JsonArray patchList:
                if (field is not null && field.MergesList && field.Type.Shape == TypeShape.List)
                {
                    return MergeList(original as JsonArray ?? new JsonArray(), patchList, field);
                }
                if (ReplaceMarkerIndex(patchList) is { } marker)
                {
                    patchList.RemoveAt(marker);
                }
                return StripDirectives(patchList);
            default:
                return patch;
        }
    }

    private static JsonObject MergeMapOfStructs(JsonObject original, JsonObject patch, TypeDefinition? element)
    {
        foreach (var (key, value) in patch.ToList())
        {
            patch.Remove(key);
            if (value is null)
            {
                original.Remove(key);
                continue;
            }
            var existing = Detach(original, key);
            original[key] = value is JsonObject valueMap
                ? MergeMap(existing as JsonObject ?? new JsonObject(), valueMap, element)
                : value;
        }
        return original;
    }

    private static int? ReplaceMarkerIndex(JsonArray list)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject item && JsonTree.GetString(item, PatchDirective) == "replace" && item.Count == 1)
            {
                return i;
            }
        }
        return null;
    }

    private static JsonArray MergeList(JsonArray original, JsonArray patch, FieldDefinition field)
    {
        // A lone {"$patch": "replace"} element replaces the whole list with the other elements.
        if (ReplaceMarkerIndex(patch) is { } marker)
        {
            patch.RemoveAt(marker);
            return (JsonArray)StripDirectives(patch);
        }
        var elementType = field.Type.Element;
        if (elementType is not null && elementType.Shape != TypeShape.Struct && elementType.Shape != TypeShape.Any)
        {
            // A merged list of scalars is a set: keep the live order, append what is new.
            foreach (var item in patch)
            {
                if (!original.Any(o => JsonTree.DeepEquals(o, item)))
                {
                    original.Add(item?.DeepClone());
                }
            }
            return original;
        }
        var mergeKey = field.MergeKey ?? throw new PatchException($"merge key not defined for list {field.Name}");
        var definition = elementType?.Definition;
        foreach (var item in patch.ToList())
        {
            if (item is not JsonObject patchItem)
            {
                throw new PatchException($"list {field.Name} with merge key {mergeKey} must contain only maps, found {JsonTree.ToCompactJson(item)}");
            }
            var directive = JsonTree.GetString(patchItem, PatchDirective);
            if (directive == "merge" && patchItem.Count == 1)
            {
                // An explicit {"$patch": "merge"} element only restates the default.
                continue;
            }
            if (!patchItem.TryGetPropertyValue(mergeKey, out var keyValue))
            {
                throw new PatchException($"map: {JsonTree.ToCompactJson(patchItem)} does not contain declared merge key: {mergeKey}");
            }
            var index = IndexOf(original, mergeKey, keyValue, JsonTree.GetString(patchItem, "protocol"));
            if (directive == "delete")
            {
                if (patchItem.ContainsKey("protocol"))
                {
                    if (index >= 0)
                    {
                        original.RemoveAt(index);
                    }
                    continue;
                }
                while (index >= 0)
                {
                    original.RemoveAt(index);
                    index = IndexOf(original, mergeKey, keyValue, null);
                }
                continue;
            }
            patch.Remove(patchItem);
            if (index >= 0)
            {
                var existing = (JsonObject)original[index]!;
                original.RemoveAt(index);
                original.Insert(index, MergeMap(existing, patchItem, definition));
            }
            else
            {
                original.Add(MergeMap(new JsonObject(), patchItem, definition));
            }
        }
        return original;
    }

    /// <summary>
    /// The index of the item with the merge key value. Ports are keyed by number alone in Kubernetes' patch
    /// metadata, which conflates <c>53/TCP</c> and <c>53/UDP</c>; when several items share the number, the one
    /// with the patch item's protocol (TCP when unset) is preferred.
    /// </summary>
    private static int IndexOf(JsonArray list, string mergeKey, JsonNode? keyValue, string? protocol)
    {
        var first = -1;
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject item && item.TryGetPropertyValue(mergeKey, out var value) && JsonTree.DeepEquals(value, keyValue))
            {
                if (protocol is null || (JsonTree.GetString(item, "protocol") ?? "TCP") == protocol)
                {
                    return i;
                }
                if (first < 0)
                {
                    first = i;
                }
            }
        }
        return first;
    }

    /// <summary>
    /// Applies <c>$setElementOrder</c>: elements named in the order list come in that order; elements only the
    /// server has keep their relative position, interleaved as Kubernetes' <c>normalizeElementOrder</c> does.
    /// </summary>
    private static JsonArray Reorder(JsonArray merged, JsonArray order, string? mergeKey)
    {
        JsonNode? KeyOf(JsonNode? item) =>
            mergeKey is not null && item is JsonObject obj ? obj[mergeKey] : item;

        int OrderIndex(JsonNode? item)
        {
            var key = KeyOf(item);
            for (var i = 0; i < order.Count; i++)
            {
                if (JsonTree.DeepEquals(KeyOf(order[i]), key))
                {
                    return i;
                }
            }
            return -1;
        }

        var items = merged.Select(i => i).ToList();
        var serverOrder = items.ToList();
        var left = items.Where(i => OrderIndex(i) >= 0).OrderBy(OrderIndex).ToList();
        var right = items.Where(i => OrderIndex(i) < 0).ToList();

        int ServerIndex(JsonNode? item) => serverOrder.IndexOf(item);

        var result = new List<JsonNode?>();
        int l = 0, r = 0;
        while (l < left.Count || r < right.Count)
        {
            if (l >= left.Count)
            {
                result.Add(right[r++]);
            }
            else if (r >= right.Count)
            {
                result.Add(left[l++]);
            }
            else
            {
                var li = ServerIndex(left[l]);
                var ri = ServerIndex(right[r]);
                if (li >= 0 && ri >= 0 && li < ri)
                {
                    result.Add(left[l++]);
                }
                else
                {
                    result.Add(right[r++]);
                }
            }
        }
        merged.Clear();
        var reordered = new JsonArray();
        foreach (var item in result)
        {
            reordered.Add(item);
        }
        return reordered;
    }

    private static JsonNode StripDirectives(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (key.StartsWith('$'))
                    {
                        obj.Remove(key);
                    }
                    else if (obj[key] is { } child)
                    {
                        StripDirectives(child);
                    }
                }
                break;
            case JsonArray arr:
                foreach (var child in arr.ToList())
                {
                    if (child is JsonObject item && item.Count == 1 && item.ContainsKey(PatchDirective))
                    {
                        arr.Remove(child);
                    }
                    else if (child is not null)
                    {
                        StripDirectives(child);
                    }
                }
                break;
        }
        return node;
    }
}
