using System.Collections;

namespace Emulator.Kubernetes.Cel;

/// <summary>cel-go's sets extension, which Kubernetes enables: <c>sets.contains</c>, <c>sets.equivalent</c>, <c>sets.intersects</c>.</summary>
public static class SetsLibrary
{
    /// <summary>The <c>sets</c> namespace.</summary>
    public sealed class SetsNamespace
    {
        /// <summary>The single instance.</summary>
        public static SetsNamespace Instance { get; } = new();
    }

    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        registry.Add<SetsNamespace, IList, IList>("contains", (_, a, b) => Contains(a, b));
        registry.Add<SetsNamespace, IList, IList>("equivalent", (_, a, b) => Contains(a, b) && Contains(b, a));
        registry.Add<SetsNamespace, IList, IList>("intersects", (_, a, b) => a.Cast<object?>().Any(x => b.Cast<object?>().Any(y => CelValues.AreEqual(x, y))));
    }

    private static bool Contains(IList a, IList b) => b.Cast<object?>().All(y => a.Cast<object?>().Any(x => CelValues.AreEqual(x, y)));
}
