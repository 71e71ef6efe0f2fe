using Emulator.Api.Discovery;

namespace Emulator.Api.Resources;

/// <summary>What a resource URL addresses: the resource, the namespace, the object and the subresource.</summary>
public sealed record ResourceRoute(ApiResource Resource, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>
    /// Parses the part after <c>/api/v1/</c> or <c>/apis/GROUP/VERSION/</c>:
    /// <c>RES</c>, <c>RES/NAME[/SUB]</c>, <c>namespaces/NS/RES[/NAME[/SUB]]</c>. Returns null when nothing matches.
    /// </summary>
    public static ResourceRoute? Parse(ApiResourceCatalog catalog, string group, string version, IReadOnlyList<string> segments)
    {
        if (segments.Count == 0)
        {
            return null;
        }
        // namespaces/NS/RES... addresses a namespaced resource, unless RES is a subresource of the namespace itself.
        if (segments[0] == "namespaces" && segments.Count >= 3 && catalog.Find(group, version, segments[2]) is { Namespaced: true } namespaced)
        {
            return segments.Count switch
            {
                3 => new ResourceRoute(namespaced, segments[1], null, null),
                4 => new ResourceRoute(namespaced, segments[1], segments[3], null),
                5 => new ResourceRoute(namespaced, segments[1], segments[3], segments[4]),
                _ => null,
            };
        }
        var resource = catalog.Find(group, version, segments[0]);
        if (resource is null)
        {
            return null;
        }
        return segments.Count switch
        {
            1 => new ResourceRoute(resource, null, null, null),
            2 when !resource.Namespaced => new ResourceRoute(resource, null, segments[1], null),
            3 when !resource.Namespaced => new ResourceRoute(resource, null, segments[1], segments[2]),
            _ => null,
        };
    }
}
