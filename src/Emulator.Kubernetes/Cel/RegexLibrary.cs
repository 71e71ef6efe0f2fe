using System.Text.RegularExpressions;

namespace Emulator.Kubernetes.Cel;

/// <summary>Kubernetes' regex library: <c>find</c> (first match or "") and <c>findAll</c> (all matches, or at most n).</summary>
public static class RegexLibrary
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        registry.Add<string, string>("find", (s, pattern) => new Regex(pattern, RegexOptions.None, Timeout).Match(s) is { Success: true } m ? m.Value : "");
        registry.Add<string, string>("findAll", (s, pattern) => FindAll(s, pattern, -1));
        registry.Add<string, string, long>("findAll", FindAll);
    }

    private static List<object?> FindAll(string s, string pattern, long limit)
    {
        var matches = new Regex(pattern, RegexOptions.None, Timeout).Matches(s).Select(m => (object?)m.Value);
        return (limit < 0 ? matches : matches.Take((int)Math.Min(limit, int.MaxValue))).ToList();
    }
}
