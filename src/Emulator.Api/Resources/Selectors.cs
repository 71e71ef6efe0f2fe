using System.Text.Json;
using Emulator.ControlPlane.Store;

namespace Emulator.Api.Resources;

/// <summary>Field selectors as kubectl sends them: comma-joined <c>path=value</c>, <c>path==value</c>, <c>path!=value</c> terms.</summary>
public static class FieldSelector
{
    /// <summary>Builds a filter, or null for an empty selector; throws <see cref="ApiStatusException"/> (400) on bad syntax.</summary>
    public static Func<StoredObject, bool>? Parse(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return null;
        }
        var terms = new List<(string[] Path, string Value, bool Equal)>();
        foreach (var raw in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var notEqual = raw.IndexOf("!=", StringComparison.Ordinal);
            var doubleEqual = raw.IndexOf("==", StringComparison.Ordinal);
            var equal = raw.IndexOf('=');
            (string Field, string Value, bool Equal) term = notEqual > 0 ? (raw[..notEqual], raw[(notEqual + 2)..], false)
                : doubleEqual > 0 ? (raw[..doubleEqual], raw[(doubleEqual + 2)..], true)
                : equal > 0 ? (raw[..equal], raw[(equal + 1)..], true)
                : throw new ApiStatusException(ApiStatus.BadRequest($"invalid field selector: '{raw}': expected an operator (=, == or !=)"));
            terms.Add((term.Field.Trim().Split('.'), term.Value.Trim(), term.Equal));
        }
        return obj =>
        {
            using var document = JsonDocument.Parse(obj.Json);
            foreach (var (path, value, equal) in terms)
            {
                var actual = Lookup(document.RootElement, path);
                if ((actual == value) != equal)
                {
                    return false;
                }
            }
            return true;
        };
    }

    private static string Lookup(JsonElement root, string[] path)
    {
        var current = root;
        foreach (var part in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return "";
            }
        }
        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString() ?? "",
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => current.GetRawText(),
            _ => "",
        };
    }
}
