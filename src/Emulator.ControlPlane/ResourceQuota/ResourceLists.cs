using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.ResourceQuota;

/// <summary>
/// Named quantities (a <c>ResourceList</c>: <c>pods: 2, requests.cpu: 500m</c>) and the arithmetic Kubernetes' quota
/// code does on them (<c>k8s.io/apiserver/pkg/quota/v1</c>), keyed in ordinal order as Go sorts them when it prints
/// or marshals a list.
/// </summary>
public static class ResourceLists
{
    /// <summary>An empty list.</summary>
    public static SortedDictionary<string, Quantity> Empty() => new(StringComparer.Ordinal);

    /// <summary>The quantities of a JSON map (entries that are not quantities are skipped: validation refused them).</summary>
    public static SortedDictionary<string, Quantity> Parse(JsonNode? map)
    {
        var list = Empty();
        if (map is JsonObject obj)
        {
            foreach (var (name, value) in obj)
            {
                if (Quantity.TryParse(JsonTree.AsString(value), out var quantity))
                {
                    list[name] = quantity;
                }
            }
        }
        return list;
    }

    /// <summary>The list as a JSON map of canonical quantities, as the API server stores it.</summary>
    public static JsonObject ToJson(IReadOnlyDictionary<string, Quantity> list) =>
        new(list.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value.ToString()))));

    /// <summary>
    /// <c>Quantity.Add</c>: the sum in the left operand's format, unless the left is zero, which takes the right's
    /// (so <c>0 + 128Mi</c> prints as <c>128Mi</c>).
    /// </summary>
    public static Quantity Plus(Quantity left, Quantity right) => left.Nanos.IsZero ? right : left + right;

    /// <summary><c>quota.Add</c>: every name of either list, summed where both have it.</summary>
    public static SortedDictionary<string, Quantity> Add(IReadOnlyDictionary<string, Quantity> a, IReadOnlyDictionary<string, Quantity> b)
    {
        var result = Empty();
        foreach (var (name, value) in a)
        {
            result[name] = b.TryGetValue(name, out var other) ? Plus(value, other) : value;
        }
        foreach (var (name, value) in b)
        {
            result.TryAdd(name, value);
        }
        return result;
    }

    /// <summary>
    /// <c>quota.SubtractWithNonNegativeResult</c>: <paramref name="a"/> minus <paramref name="b"/>, negative results as
    /// zero, names only in <paramref name="b"/> as zero.
    /// </summary>
    public static SortedDictionary<string, Quantity> SubtractWithNonNegativeResult(IReadOnlyDictionary<string, Quantity> a, IReadOnlyDictionary<string, Quantity> b)
    {
        var result = Empty();
        foreach (var (name, value) in a)
        {
            var difference = b.TryGetValue(name, out var other) ? value - other : value;
            result[name] = difference > Quantity.Zero ? difference : Quantity.Zero;
        }
        foreach (var name in b.Keys)
        {
            result.TryAdd(name, Quantity.Zero);
        }
        return result;
    }

    /// <summary><c>quota.Mask</c>: only the entries whose names are in <paramref name="names"/>.</summary>
    public static SortedDictionary<string, Quantity> Mask(IReadOnlyDictionary<string, Quantity> list, IEnumerable<string> names)
    {
        var result = Empty();
        foreach (var name in names)
        {
            if (list.TryGetValue(name, out var value))
            {
                result[name] = value;
            }
        }
        return result;
    }

    /// <summary><c>quota.RemoveZeros</c>.</summary>
    public static SortedDictionary<string, Quantity> RemoveZeros(IReadOnlyDictionary<string, Quantity> list)
    {
        var result = Empty();
        foreach (var (name, value) in list.Where(p => !p.Value.Nanos.IsZero))
        {
            result[name] = value;
        }
        return result;
    }

    /// <summary><c>quota.Equals</c>: the same names with equal values (whatever their format).</summary>
    public static bool Equal(IReadOnlyDictionary<string, Quantity>? a, IReadOnlyDictionary<string, Quantity>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? Empty()).All(p => b!.TryGetValue(p.Key, out var other) && other.CompareTo(p.Value) == 0);

    /// <summary><c>quota.LessThanOrEqual</c>: the names whose value in <paramref name="a"/> exceeds the one in <paramref name="b"/>.</summary>
    public static IReadOnlyList<string> Exceeding(IReadOnlyDictionary<string, Quantity> a, IReadOnlyDictionary<string, Quantity> b) =>
        b.Where(p => a.TryGetValue(p.Key, out var value) && value > p.Value).Select(p => p.Key).ToList();

    /// <summary><c>quota.IsNegative</c>: the names with a negative value.</summary>
    public static IReadOnlyList<string> Negative(IReadOnlyDictionary<string, Quantity> list) =>
        list.Where(p => p.Value < Quantity.Zero).Select(p => p.Key).ToList();

    /// <summary>The admission plugin's <c>prettyPrint</c>: <c>limits.cpu=1,pods=2</c>, sorted by name.</summary>
    public static string PrettyPrint(IReadOnlyDictionary<string, Quantity> list) =>
        string.Join(",", list.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    /// <summary>
    /// The requests of a pod as the resource helpers add them up (<c>component-helpers/resource.PodRequests</c>): the
    /// app containers and sidecars summed, at least each init container's request plus the sidecars started before
    /// it, plus the pod's <c>spec.overhead</c> when asked.
    /// </summary>
    public static SortedDictionary<string, Quantity> PodRequests(KubeObject pod, bool includeOverhead) =>
        PodTotal(pod, c => c.Requests, includeOverhead ? OverheadMode.AddAll : OverheadMode.None);

    /// <summary>The limits of a pod added up the same way (overhead added only to limits that are set).</summary>
    public static SortedDictionary<string, Quantity> PodLimits(KubeObject pod, bool includeOverhead) =>
        PodTotal(pod, c => c.Limits, includeOverhead ? OverheadMode.AddToPresent : OverheadMode.None);

    private enum OverheadMode
    {
        None,
        AddAll,
        AddToPresent,
    }

    private static SortedDictionary<string, Quantity> PodTotal(KubeObject pod, Func<ContainerView, IReadOnlyDictionary<string, Quantity>> of, OverheadMode overhead)
    {
        var view = new PodView(pod);
        var total = Empty();
        foreach (var container in view.Containers)
        {
            AddInto(total, of(container));
        }
        var sidecars = Empty();
        var initMaximum = Empty();
        foreach (var init in view.InitContainers)
        {
            var amounts = of(init);
            SortedDictionary<string, Quantity> needed;
            if (init.RestartPolicy == "Always")
            {
                AddInto(total, amounts);
                AddInto(sidecars, amounts);
                needed = sidecars;
            }
            else
            {
                needed = Empty();
                AddInto(needed, amounts);
                AddInto(needed, sidecars);
            }
            MaxInto(initMaximum, needed);
        }
        MaxInto(total, initMaximum);
        var podOverhead = Parse(JsonTree.Get(pod.Document, "spec", "overhead"));
        foreach (var (name, value) in podOverhead)
        {
            if (overhead == OverheadMode.AddAll || (overhead == OverheadMode.AddToPresent && total.ContainsKey(name)))
            {
                total[name] = total.TryGetValue(name, out var present) ? Plus(present, value) : value;
            }
        }
        return total;
    }

    private static void AddInto(SortedDictionary<string, Quantity> list, IReadOnlyDictionary<string, Quantity> more)
    {
        foreach (var (name, value) in more)
        {
            list[name] = list.TryGetValue(name, out var present) ? Plus(present, value) : value;
        }
    }

    private static void MaxInto(SortedDictionary<string, Quantity> list, IReadOnlyDictionary<string, Quantity> other)
    {
        foreach (var (name, value) in other)
        {
            if (!list.TryGetValue(name, out var present) || value > present)
            {
                list[name] = value;
            }
        }
    }
}
