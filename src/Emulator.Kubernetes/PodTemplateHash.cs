using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes;

/// <summary>
/// The <c>pod-template-hash</c> of a Deployment's ReplicaSets: FNV-32a over the pod template in a stable
/// form (compact JSON with sorted keys), plus the collision count when set, rendered as
/// <c>rand.SafeEncodeString(fmt.Sprint(hash))</c>.
/// </summary>
public static class PodTemplateHash
{
    /// <summary>The label key Deployments add to their ReplicaSets and pods.</summary>
    public const string LabelKey = "pod-template-hash";

    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>Computes the hash of a pod template.</summary>
    /// <param name="template">The (defaulted) pod template.</param>
    /// <param name="collisionCount"><c>status.collisionCount</c>, mixed in when not null.</param>
    public static string Compute(JsonNode? template, int? collisionCount = null)
    {
        var hash = OffsetBasis;
        // Kubernetes hashes the Go struct, where a null field and an absent one are the same zero value.
        foreach (var b in Encoding.UTF8.GetBytes(StableJson(WithoutNulls(template?.DeepClone()))))
        {
            hash = Fnv(hash, b);
        }
        if (collisionCount is { } count)
        {
            // Little-endian uint32 in an 8-byte buffer, as Kubernetes writes it.
            var bytes = new byte[8];
            BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), (uint)count);
            if (!BitConverter.IsLittleEndian)
            {
                Array.Reverse(bytes, 0, 4);
            }
            foreach (var b in bytes)
            {
                hash = Fnv(hash, b);
            }
        }
        return ObjectNames.SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// True when two pod templates are equal once the <c>pod-template-hash</c> label is ignored — how the
    /// Deployment controller finds the ReplicaSet of its current template (compare after defaulting).
    /// </summary>
    public static bool EqualIgnoringHash(JsonNode? a, JsonNode? b) => JsonTree.DeepEquals(WithoutHash(a), WithoutHash(b));

    /// <summary>Removes null-valued properties (recursively): Kubernetes compares structs, where null and absent are equal.</summary>
    private static JsonNode? WithoutNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Where(p => p.Value is null).Select(p => p.Key).ToArray())
                {
                    obj.Remove(key);
                }
                foreach (var (_, value) in obj)
                {
                    WithoutNulls(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    WithoutNulls(item);
                }
                break;
        }
        return node;
    }

    private static JsonNode? WithoutHash(JsonNode? template)
    {
        if (WithoutNulls(template?.DeepClone()) is not JsonObject copy)
        {
            return template;
        }
        if (JsonTree.GetObject(copy, "metadata", "labels") is { } labels)
        {
            labels.Remove(LabelKey);
            if (labels.Count == 0)
            {
                ((JsonObject)copy["metadata"]!).Remove("labels");
            }
        }
        return copy;
    }

    /// <summary>FNV-32a of raw bytes (exposed for tests and other hashes).</summary>
    public static uint Fnv32a(ReadOnlySpan<byte> data)
    {
        var hash = OffsetBasis;
        foreach (var b in data)
        {
            hash = Fnv(hash, b);
        }
        return hash;
    }

    /// <summary>Compact JSON with object keys sorted, so equal templates hash equally whatever their key order.</summary>
    public static string StableJson(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static uint Fnv(uint hash, byte b) => unchecked((hash ^ b) * Prime);

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }
                    first = false;
                    sb.Append(JsonTree.ToCompactJson(JsonValue.Create(key))).Append(':');
                    Write(sb, value);
                }
                sb.Append('}');
                break;
            case JsonArray arr:
                sb.Append('[');
                for (var i = 0; i < arr.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    Write(sb, arr[i]);
                }
                sb.Append(']');
                break;
            default:
                sb.Append(JsonTree.ToCompactJson(node));
                break;
        }
    }
}
