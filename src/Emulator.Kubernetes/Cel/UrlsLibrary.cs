using Cel;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// Kubernetes' URLs library: <c>url(string)</c> (an absolute URI or an absolute path, as Go's
/// <c>url.ParseRequestURI</c>), <c>isURL</c>, and the getters getScheme, getHost, getHostname, getPort,
/// getEscapedPath and getQuery.
/// </summary>
public static class UrlsLibrary
{
    /// <summary>A parsed URL.</summary>
    public sealed record KubeUrl(string Scheme, string Host, string Hostname, string Port, string EscapedPath, string RawQuery)
    {
        /// <inheritdoc />
        public override string ToString() => (Scheme.Length > 0 ? Scheme + "://" + Host : "") + EscapedPath + (RawQuery.Length > 0 ? "?" + RawQuery : "");
    }

    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        registry.Add<string>("url", s => Parse(s) ?? throw new CelArgumentRangeException($"URL parse error during conversion from string: parse \"{s}\": invalid URI for request"));
        registry.Add<string>("isURL", s => Parse(s) is not null);
        registry.Add<KubeUrl>("getScheme", u => u.Scheme);
        registry.Add<KubeUrl>("getHost", u => u.Host);
        registry.Add<KubeUrl>("getHostname", u => u.Hostname);
        registry.Add<KubeUrl>("getPort", u => u.Port);
        registry.Add<KubeUrl>("getEscapedPath", u => u.EscapedPath);
        registry.Add<KubeUrl>("getQuery", u => Query(u.RawQuery));
        registry.Add<KubeUrl>("string", u => u.ToString());
    }

    /// <summary>Parses as Go's <c>url.ParseRequestURI</c>, or null.</summary>
    public static KubeUrl? Parse(string s)
    {
        if (s.Length == 0 || s.Any(c => c < 0x20 || c == 0x7f || c == ' '))
        {
            return null;
        }
        var fragment = s.IndexOf('#');
        if (fragment >= 0)
        {
            // ParseRequestURI keeps a fragment in the path; a request URI with one is still accepted.
            s = s[..fragment];
        }
        var queryAt = s.IndexOf('?');
        var rawQuery = queryAt >= 0 ? s[(queryAt + 1)..] : "";
        var rest = queryAt >= 0 ? s[..queryAt] : s;
        if (rest.StartsWith('/'))
        {
            return new KubeUrl("", "", "", "", rest, rawQuery);
        }
        var colon = rest.IndexOf(':');
        if (colon <= 0 || !char.IsAsciiLetter(rest[0]) || !rest[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            return null;
        }
        var scheme = rest[..colon].ToLowerInvariant();
        rest = rest[(colon + 1)..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            // An opaque URI (mailto:x) has no path of its own; a relative one is refused.
            return rest.StartsWith('/') || rest.Length == 0 ? new KubeUrl(scheme, "", "", "", rest, rawQuery) : new KubeUrl(scheme, "", "", "", "", rawQuery);
        }
        rest = rest[2..];
        var slash = rest.IndexOf('/');
        var authority = slash >= 0 ? rest[..slash] : rest;
        var path = slash >= 0 ? rest[slash..] : "";
        var at = authority.LastIndexOf('@');
        var host = at >= 0 ? authority[(at + 1)..] : authority;
        string hostname;
        var port = "";
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            if (close < 0)
            {
                return null;
            }
            hostname = host[1..close];
            var after = host[(close + 1)..];
            if (after.Length > 0)
            {
                if (!after.StartsWith(':'))
                {
                    return null;
                }
                port = after[1..];
            }
        }
        else
        {
            var portAt = host.LastIndexOf(':');
            hostname = portAt >= 0 ? host[..portAt] : host;
            port = portAt >= 0 ? host[(portAt + 1)..] : "";
        }
        if (!port.All(char.IsAsciiDigit))
        {
            return null;
        }
        return new KubeUrl(scheme, host, hostname, port, path, rawQuery);
    }

    private static Dictionary<string, object?> Query(string rawQuery)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var pair in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var key = Uri.UnescapeDataString((equals >= 0 ? pair[..equals] : pair).Replace('+', ' '));
            var value = equals >= 0 ? Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' ')) : "";
            if (result.TryGetValue(key, out var existing) && existing is List<object?> values)
            {
                values.Add(value);
            }
            else
            {
                result[key] = new List<object?> { value };
            }
        }
        return result;
    }
}
