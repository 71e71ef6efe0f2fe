using System.Collections;
using Cel;

namespace Emulator.Kubernetes.Cel;

/// <summary>Kubernetes' lists library: isSorted, sum, min, max, indexOf and lastIndexOf on lists.</summary>
public static class ListsLibrary
{
    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        registry.Add<IList>("isSorted", list =>
        {
            var items = CelValues.List(list);
            return Enumerable.Range(1, Math.Max(0, items.Count - 1)).All(i => CelValues.Compare(items[i - 1], items[i]) <= 0);
        });
        registry.Add<IList>("sum", list => Sum(CelValues.List(list)));
        registry.Add<IList>("min", list => Extreme(CelValues.List(list), "min", -1));
        registry.Add<IList>("max", list => Extreme(CelValues.List(list), "max", 1));
        registry.Add("indexOf", [typeof(IList), typeof(object)], a =>
        {
            var items = CelValues.List(a[0]);
            for (var i = 0; i < items.Count; i++)
            {
                if (CelValues.AreEqual(items[i], a[1]))
                {
                    return (long)i;
                }
            }
            return -1L;
        });
        registry.Add("lastIndexOf", [typeof(IList), typeof(object)], a =>
        {
            var items = CelValues.List(a[0]);
            for (var i = items.Count - 1; i >= 0; i--)
            {
                if (CelValues.AreEqual(items[i], a[1]))
                {
                    return (long)i;
                }
            }
            return -1L;
        });
    }

    private static object Sum(IReadOnlyList<object?> items)
    {
        if (items.Count == 0)
        {
            return 0L;
        }
        if (items.All(i => i is long or int))
        {
            return items.Aggregate(0L, (total, i) => checked(total + CelValues.Int(i)));
        }
        if (items.All(i => i is double or long or int))
        {
            return items.Sum(i => Convert.ToDouble(i, System.Globalization.CultureInfo.InvariantCulture));
        }
        if (items.All(i => i is TimeSpan))
        {
            return items.Aggregate(TimeSpan.Zero, (total, i) => total + (TimeSpan)i!);
        }
        throw new CelNoSuchOverloadException("no such overload: sum of " + string.Join(", ", items.Select(CelValues.TypeName).Distinct()));
    }

    private static object? Extreme(IReadOnlyList<object?> items, string name, int sign)
    {
        if (items.Count == 0)
        {
            throw new CelArgumentRangeException($"{name} called on empty list");
        }
        var best = items[0];
        foreach (var item in items.Skip(1))
        {
            if (CelValues.Compare(item, best) * sign > 0)
            {
                best = item;
            }
        }
        return best;
    }
}
