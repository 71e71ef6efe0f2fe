using System.Numerics;
using Cel;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// Kubernetes' quantity library: <c>quantity(string)</c>, <c>isQuantity</c>, and on quantities isInteger, asInteger,
/// asApproximateFloat, sign, add, sub, compareTo, isGreaterThan and isLessThan.
/// </summary>
public static class QuantityLibrary
{
    private static readonly BigInteger NanosPerUnit = 1_000_000_000;

    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        registry.Add<string>("quantity", s => Quantity.TryParse(s, out var q) ? q : throw new CelArgumentRangeException($"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
        registry.Add<string>("isQuantity", s => Quantity.TryParse(s, out _));
        registry.Add<Quantity>("isInteger", q => IsInteger(q));
        registry.Add<Quantity>("asInteger", q =>
        {
            if (!IsInteger(q))
            {
                throw new CelArgumentRangeException("cannot convert value to integer");
            }
            var value = q.Nanos / NanosPerUnit;
            return value >= long.MinValue && value <= long.MaxValue ? (long)value : throw new CelOverflowException("cannot convert value to integer");
        });
        registry.Add<Quantity>("asApproximateFloat", q => (double)q.Nanos / 1e9);
        registry.Add<Quantity>("sign", q => (long)q.Nanos.Sign);
        registry.Add<Quantity, Quantity>("add", (a, b) => Of(a.Nanos + b.Nanos, a));
        registry.Add<Quantity, long>("add", (a, b) => Of(a.Nanos + b * NanosPerUnit, a));
        registry.Add<Quantity, Quantity>("sub", (a, b) => Of(a.Nanos - b.Nanos, a));
        registry.Add<Quantity, long>("sub", (a, b) => Of(a.Nanos - b * NanosPerUnit, a));
        registry.Add<Quantity, Quantity>("compareTo", (a, b) => (long)a.CompareTo(b));
        registry.Add<Quantity, Quantity>("isGreaterThan", (a, b) => a.CompareTo(b) > 0);
        registry.Add<Quantity, Quantity>("isLessThan", (a, b) => a.CompareTo(b) < 0);
        registry.Add<Quantity>("string", q => q.ToString());
    }

    private static bool IsInteger(Quantity q) => (q.Nanos % NanosPerUnit).IsZero;

    private static Quantity Of(BigInteger nanos, Quantity like) =>
        Quantity.Parse(FormatNanos(nanos)) is var parsed && like.Format == QuantityFormat.BinarySI && (nanos % NanosPerUnit).IsZero
            ? Quantity.FromValue((long)(nanos / NanosPerUnit), QuantityFormat.BinarySI)
            : parsed;

    private static string FormatNanos(BigInteger nanos) => nanos.ToString(System.Globalization.CultureInfo.InvariantCulture) + "n";
}
