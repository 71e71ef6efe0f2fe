using System.Globalization;
using Emulator.Kubernetes.Validation;
using static Emulator.Kubernetes.Cel.OptionalLibrary;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// Kubernetes' format library: <c>format.dns1123Label()</c> and the other named formats, <c>format.named(name)</c>
/// (an optional format), and <c>validate(string)</c>, which gives <c>optional.none()</c> for a valid value or the
/// list of Kubernetes' validation messages.
/// </summary>
public static class FormatLibrary
{
    /// <summary>A named format.</summary>
    public sealed record NamedFormat(string Name, Func<string, List<string>> Check);

    /// <summary>The <c>format</c> namespace.</summary>
    public sealed class FormatNamespace
    {
        /// <summary>The single instance.</summary>
        public static FormatNamespace Instance { get; } = new();
    }

    private static readonly Dictionary<string, Func<string, List<string>>> Formats = new(StringComparer.Ordinal)
    {
        ["dns1123Label"] = NameSyntax.IsDns1123Label,
        ["dns1123Subdomain"] = NameSyntax.IsDns1123Subdomain,
        ["dns1035Label"] = NameSyntax.IsDns1035Label,
        ["qualifiedName"] = NameSyntax.IsQualifiedName,
        ["dns1123LabelPrefix"] = s => NameSyntax.IsDns1123Label(WithoutTrailingDash(s)),
        ["dns1123SubdomainPrefix"] = s => NameSyntax.IsDns1123Subdomain(WithoutTrailingDash(s)),
        ["dns1035LabelPrefix"] = s => NameSyntax.IsDns1035Label(WithoutTrailingDash(s)),
        ["labelValue"] = NameSyntax.IsValidLabelValue,
        ["uri"] = s => Uri.TryCreate(s, UriKind.RelativeOrAbsolute, out _) && UrlsLibrary.Parse(s) is not null ? [] : ["invalid URI"],
        ["uuid"] = s => Guid.TryParseExact(s, "D", out _) ? [] : ["does not match the UUID format"],
        ["byte"] = s => IsBase64(s) ? [] : ["invalid base64"],
        ["date"] = s => DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? [] : ["invalid date"],
        ["datetime"] = s => DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out _) && s.Contains('T', StringComparison.OrdinalIgnoreCase) ? [] : ["invalid datetime"],
    };

    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        foreach (var (name, check) in Formats)
        {
            var format = new NamedFormat(name, check);
            registry.Add<FormatNamespace>(name, _ => format);
        }
        registry.Add<FormatNamespace, string>("named", (_, name) => Formats.TryGetValue(name, out var check) ? OptionalValue.Of(new NamedFormat(name, check)) : OptionalValue.None);
        registry.Add<NamedFormat, string>("validate", (format, value) =>
            format.Check(value) is { Count: > 0 } messages ? OptionalValue.Of(messages.Select(m => (object?)m).ToList()) : OptionalValue.None);
    }

    private static string WithoutTrailingDash(string s) => s.Length > 1 && s.EndsWith('-') ? s[..^1] + "a" : s;

    private static bool IsBase64(string s)
    {
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out _);
    }
}
