namespace Emulator.Api.Discovery;

/// <summary>The resources the API serves, by group version and by plural name.</summary>
public sealed class ApiResourceCatalog
{
    private readonly Dictionary<(string Group, string Version, string Resource), ApiResource> _byPath = [];

    /// <summary>Creates a catalog of <paramref name="resources"/>.</summary>
    public ApiResourceCatalog(IEnumerable<ApiResource> resources)
    {
        Resources = resources.ToArray();
        foreach (var r in Resources)
        {
            _byPath[(r.Group, r.Version, r.Resource)] = r;
        }
    }

    /// <summary>Every resource.</summary>
    public IReadOnlyList<ApiResource> Resources { get; }

    /// <summary>The API groups (without the core group), each with its versions.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups =>
        Resources.Where(r => r.Group.Length > 0).GroupBy(r => r.Group).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(r => r.Version).Distinct().ToArray())).ToArray();

    /// <summary>The resources of one group version.</summary>
    public IEnumerable<ApiResource> InGroupVersion(string group, string version) =>
        Resources.Where(r => r.Group == group && r.Version == version);

    /// <summary>Finds a resource by its URL coordinates.</summary>
    public ApiResource? Find(string group, string version, string resource) =>
        _byPath.TryGetValue((group, version, resource), out var found) ? found : null;

    /// <summary>The resources of the kinds Emulator models (from the Kubernetes model's kind registry).</summary>
    public static ApiResourceCatalog Default { get; } = FromRegistry(Kubernetes.Kinds.KindRegistry.Default);

    /// <summary>Builds the catalog of a kind registry.</summary>
    public static ApiResourceCatalog FromRegistry(Kubernetes.Kinds.KindRegistry registry) =>
        new(registry.Kinds.Select(k => new ApiResource(k.Group, k.Version, k.Resource, k.Singular, k.Kind, k.Namespaced,
            k.ShortNames, k.Categories, k.HasStatus, k.HasScale)
        { ResourceVerbs = k.ServedVerbs, Stored = k.Stored }));
}
