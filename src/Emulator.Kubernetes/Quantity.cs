using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Emulator.Kubernetes;

/// <summary>The suffix family a quantity was written in, which its canonical form keeps.</summary>
public enum QuantityFormat
{
    /// <summary>Decimal SI suffixes: n, u, m, (none), k, M, G, T, P, E.</summary>
    DecimalSI,

    /// <summary>Binary SI suffixes: Ki, Mi, Gi, Ti, Pi, Ei.</summary>
    BinarySI,

    /// <summary>Decimal exponent: <c>1e3</c>, <c>5E-3</c>.</summary>
    DecimalExponent,
}

/// <summary>
/// A Kubernetes resource quantity (<c>resource.Quantity</c>): <c>100m</c>, <c>1.5</c>, <c>128Mi</c>, <c>1G</c>, <c>1e3</c>.
/// Held exactly in nano-units; precision below a nano-unit rounds up, as Kubernetes does.
/// </summary>
public readonly partial record struct Quantity : IComparable<Quantity>
{
    private static readonly BigInteger NanosPerUnit = 1_000_000_000;

    private Quantity(BigInteger nanos, QuantityFormat format)
    {
        Nanos = nanos;
        Format = format;
    }

    /// <summary>The value in nano-units (10⁻⁹).</summary>
    public BigInteger Nanos { get; }

    /// <summary>The suffix family the canonical form uses.</summary>
    public QuantityFormat Format { get; }

    /// <summary>Zero.</summary>
    public static Quantity Zero => new(BigInteger.Zero, QuantityFormat.DecimalSI);

    /// <summary>The value in milli-units, rounded up (cpu: millicores); beyond int64 it saturates, as Kubernetes' does.</summary>
    public long MilliValue => Saturate(CeilingDivide(Nanos, 1_000_000));

    /// <summary>The value in whole units, rounded up (memory: bytes); beyond int64 it saturates.</summary>
    public long Value => Saturate(CeilingDivide(Nanos, NanosPerUnit));

    private static long Saturate(BigInteger value) =>
        value > long.MaxValue ? long.MaxValue : value < long.MinValue ? long.MinValue : (long)value;

    [GeneratedRegex(@"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")]
    private static partial Regex Shape();

    /// <summary>A quantity of milli-units in decimal SI (<c>FromMilli(1500)</c> is <c>1500m</c>).</summary>
    public static Quantity FromMilli(long milli) => new(new BigInteger(milli) * 1_000_000, QuantityFormat.DecimalSI);

    /// <summary>A quantity of whole units in the given format (<c>FromValue(134217728, BinarySI)</c> is <c>128Mi</c>).</summary>
    public static Quantity FromValue(long value, QuantityFormat format = QuantityFormat.DecimalSI) =>
        new(new BigInteger(value) * NanosPerUnit, format);

    /// <summary>Parses a quantity.</summary>
    /// <exception cref="FormatException">With Kubernetes' message when the text is not a quantity.</exception>
    public static Quantity Parse(string text) =>
        TryParse(text, out var q) ? q : throw new FormatException("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");

    /// <summary>Tries to parse a quantity.</summary>
    public static bool TryParse(string? text, out Quantity quantity)
    {
        quantity = Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        var match = Shape().Match(text);
        if (!match.Success)
        {
            return false;
        }
        var number = match.Groups[1].Value;
        var suffix = match.Groups[2].Value;
        var negative = number.StartsWith('-');
        number = number.TrimStart('+', '-');
        var dot = number.IndexOf('.');
        if (number.Count(c => c == '.') > 1 || number == "." || number.Length == 0)
        {
            return false;
        }
        var whole = dot < 0 ? number : number[..dot];
        var fraction = dot < 0 ? "" : number[(dot + 1)..];
        var digits = BigInteger.Parse("0" + whole + fraction, CultureInfo.InvariantCulture);
        var scale = -fraction.Length;

        QuantityFormat format;
        BigInteger multiplier = BigInteger.One;
        var exponent10 = 0;
        switch (suffix)
        {
            case "": format = QuantityFormat.DecimalSI; break;
            case "n": format = QuantityFormat.DecimalSI; exponent10 = -9; break;
            case "u": format = QuantityFormat.DecimalSI; exponent10 = -6; break;
            case "m": format = QuantityFormat.DecimalSI; exponent10 = -3; break;
            case "k": format = QuantityFormat.DecimalSI; exponent10 = 3; break;
            case "M": format = QuantityFormat.DecimalSI; exponent10 = 6; break;
            case "G": format = QuantityFormat.DecimalSI; exponent10 = 9; break;
            case "T": format = QuantityFormat.DecimalSI; exponent10 = 12; break;
            case "P": format = QuantityFormat.DecimalSI; exponent10 = 15; break;
            case "E": format = QuantityFormat.DecimalSI; exponent10 = 18; break;
            case "Ki": format = QuantityFormat.BinarySI; multiplier = BigInteger.Pow(2, 10); break;
            case "Mi": format = QuantityFormat.BinarySI; multiplier = BigInteger.Pow(2, 20); break;
            case "Gi": format = QuantityFormat.BinarySI; multiplier = BigInteger.Pow(2, 30); break;
            case "Ti": format = QuantityFormat.BinarySI; multiplier = BigInteger.Pow(2, 40); break;
            case "Pi": format = QuantityFormat.BinarySI; multiplier = BigInteger.Pow(2, 50); break;
            case "Ei": format = QuantityFormat.BinarySI; multiplier = BigInteger.Pow(2, 60); break;
            default:
                if ((suffix[0] == 'e' || suffix[0] == 'E') && int.TryParse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var e) && Math.Abs(e) <= 100)
                {
                    format = QuantityFormat.DecimalExponent;
                    exponent10 = e;
                    break;
                }
                return false;
        }
        // nanos = digits * 10^(scale + exponent10 + 9) * multiplier, rounded up below a nano-unit.
        var power = scale + exponent10 + 9;
        var value = digits * multiplier;
        value = power >= 0 ? value * BigInteger.Pow(10, power) : CeilingDivide(value, BigInteger.Pow(10, -power));
        quantity = new Quantity(negative ? -value : value, format);
        return true;
    }

    /// <summary>The canonical form Kubernetes stores and prints (<c>1.5</c> → <c>1500m</c>, <c>1536Mi</c>, <c>1k</c>).</summary>
    public override string ToString()
    {
        if (Nanos.IsZero)
        {
            return "0";
        }
        var format = Format;
        var isInteger = (Nanos % NanosPerUnit).IsZero;
        if (format == QuantityFormat.BinarySI)
        {
            // Small or fractional binary quantities print in decimal, as Kubernetes does.
            if (BigInteger.Abs(Nanos) < 1024 * NanosPerUnit || !isInteger)
            {
                format = QuantityFormat.DecimalSI;
            }
            else
            {
                var units = Nanos / NanosPerUnit;
                string[] binary = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
                var step = 0;
                while (step < binary.Length - 1 && (units % 1024).IsZero && !units.IsZero)
                {
                    units /= 1024;
                    step++;
                }
                return units.ToString(CultureInfo.InvariantCulture) + binary[step];
            }
        }
        // Largest exponent (multiple of 3, from -9) that keeps the mantissa an integer.
        var mantissa = Nanos;
        var exponent = -9;
        while (exponent < 18 && (mantissa % 1000).IsZero)
        {
            mantissa /= 1000;
            exponent += 3;
        }
        var text = mantissa.ToString(CultureInfo.InvariantCulture);
        if (format == QuantityFormat.DecimalExponent)
        {
            return exponent == 0 ? text : text + "e" + exponent.ToString(CultureInfo.InvariantCulture);
        }
        return text + exponent switch
        {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E",
        };
    }

    /// <inheritdoc />
    public int CompareTo(Quantity other) => Nanos.CompareTo(other.Nanos);

    /// <summary>Less-than by value.</summary>
    public static bool operator <(Quantity left, Quantity right) => left.CompareTo(right) < 0;

    /// <summary>Greater-than by value.</summary>
    public static bool operator >(Quantity left, Quantity right) => left.CompareTo(right) > 0;

    /// <summary>Less-or-equal by value.</summary>
    public static bool operator <=(Quantity left, Quantity right) => left.CompareTo(right) <= 0;

    /// <summary>Greater-or-equal by value.</summary>
    public static bool operator >=(Quantity left, Quantity right) => left.CompareTo(right) >= 0;

    /// <summary>Sum, in the left operand's format.</summary>
    public static Quantity operator +(Quantity left, Quantity right) => new(left.Nanos + right.Nanos, left.Format);

    /// <summary>Difference, in the left operand's format.</summary>
    public static Quantity operator -(Quantity left, Quantity right) => new(left.Nanos - right.Nanos, left.Format);

    private static BigInteger CeilingDivide(BigInteger value, BigInteger divisor)
    {
        var quotient = BigInteger.DivRem(value, divisor, out var remainder);
        return remainder > 0 ? quotient + 1 : quotient;
    }
}
