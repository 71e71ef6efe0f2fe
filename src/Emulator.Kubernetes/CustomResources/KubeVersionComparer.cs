using System.Globalization;
using System.Text.RegularExpressions;

namespace Emulator.Kubernetes.CustomResources;

/// <summary>
/// Kubernetes' version priority (<c>version.CompareKubeAwareVersionStrings</c>): GA before beta before alpha, higher
/// numbers first (v2, v1, v1beta2, v1beta1, v1alpha1), then versions of other shapes alphabetically.
/// </summary>
public sealed partial class KubeVersionComparer : IComparer<string>
{
    /// <summary>The single instance.</summary>
    public static KubeVersionComparer Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        var a = Parse(x ?? "");
        var b = Parse(y ?? "");
        if (a is null || b is null)
        {
            return a is null && b is null ? string.CompareOrdinal(x, y) : a is null ? 1 : -1;
        }
        if (a.Value.Stability != b.Value.Stability)
        {
            return b.Value.Stability.CompareTo(a.Value.Stability);
        }
        if (a.Value.Major != b.Value.Major)
        {
            return b.Value.Major.CompareTo(a.Value.Major);
        }
        return b.Value.Minor.CompareTo(a.Value.Minor);
    }

    private static (int Stability, long Major, long Minor)? Parse(string version)
    {
        var match = VersionPattern().Match(version);
        if (!match.Success)
        {
            return null;
        }
        var major = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var stability = match.Groups[2].Value switch { "" => 2, "beta" => 1, _ => 0 };
        var minor = match.Groups[3].Success ? long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
        return (stability, major, minor);
    }

    [GeneratedRegex("^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
