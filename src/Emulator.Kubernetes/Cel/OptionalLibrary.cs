using Cel;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// CEL optional values as far as Kubernetes' libraries return them (<c>format.named()</c>, <c>validate()</c>):
/// <c>optional.of</c>, <c>optional.none</c>, <c>optional.ofNonZeroValue</c>, hasValue, value, orValue and or.
/// </summary>
public static class OptionalLibrary
{
    /// <summary>An optional value.</summary>
    public sealed record OptionalValue(bool HasValue, object? Value)
    {
        /// <summary>The empty optional.</summary>
        public static OptionalValue None { get; } = new(false, null);

        /// <summary>An optional holding <paramref name="value"/>.</summary>
        public static OptionalValue Of(object? value) => new(true, value);
    }

    /// <summary>The <c>optional</c> namespace.</summary>
    public sealed class OptionalNamespace
    {
        /// <summary>The single instance.</summary>
        public static OptionalNamespace Instance { get; } = new();
    }

    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        registry.Add("of", [typeof(OptionalNamespace), typeof(object)], a => OptionalValue.Of(a[1]));
        registry.Add("ofNonZeroValue", [typeof(OptionalNamespace), typeof(object)], a => IsZero(a[1]) ? OptionalValue.None : OptionalValue.Of(a[1]));
        registry.Add<OptionalNamespace>("none", _ => OptionalValue.None);
        registry.Add<OptionalValue>("hasValue", o => o.HasValue);
        registry.Add<OptionalValue>("value", o => o.HasValue ? o.Value : throw new CelNoSuchFieldException("optional.none() dereference"));
        registry.Add("orValue", [typeof(OptionalValue), typeof(object)], a => a[0] is OptionalValue { HasValue: true } o ? o.Value : a[1]);
        registry.Add<OptionalValue, OptionalValue>("or", (a, b) => a.HasValue ? a : b);
    }

    private static bool IsZero(object? value) => value switch
    {
        null => true,
        string s => s.Length == 0,
        bool b => !b,
        long l => l == 0,
        int i => i == 0,
        double d => d == 0,
        System.Collections.ICollection c => c.Count == 0,
        _ => false,
    };
}
