using System.Collections.Immutable;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.Api.Discovery;

/// <summary>
/// The resources the API serves, by group version and by plural name: the built-in kinds, and — in a server's own
/// catalog — the custom resources its CustomResourceDefinitions define, which come and go as CRDs do.
/// </summary>
public sealed class ApiResourceCatalog
{
    private readonly IReadOnlyList<ApiResource> _builtIn;
    private readonly Dictionary<(string Group, string Version, string Resource), ApiResource> _byPath = [];
    private readonly Lock _customLock = new();
    // Copy-on-write: readers take the current snapshot without locking.
    private volatile CustomSnapshot _custom = CustomSnapshot.Empty;

    /// <summary>Creates a catalog of <paramref name="resources"/>.</summary>
    public ApiResourceCatalog(IEnumerable<ApiResource> resources)
    {
        _builtIn = resources.ToArray();
        foreach (var r in _builtIn)
        {
            _byPath[(r.Group, r.Version, r.Resource)] = r;
        }
    }

    private sealed record CustomSnapshot(
        ImmutableDictionary<string, (long ResourceVersion, IReadOnlyList<ApiResource> Resources)> Definitions,
        IReadOnlyList<ApiResource> Resources,
        IReadOnlyDictionary<(string Group, string Version, string Resource), ApiResource> ByPath)
    {
        public static CustomSnapshot Empty { get; } = new(ImmutableDictionary<string, (long, IReadOnlyList<ApiResource>)>.Empty, [], new Dictionary<(string, string, string), ApiResource>());
    }

    /// <summary>Every resource (built-in first, then custom resources).</summary>
    public IReadOnlyList<ApiResource> Resources => _custom.Resources.Count == 0 ? _builtIn : [.. _builtIn, .. _custom.Resources];

    /// <summary>The API groups (without the core group), each with its versions, preferred version first.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups
    {
        get
        {
            var builtIn = _builtIn.Where(r => r.Group.Length > 0).GroupBy(r => r.Group).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(r => r.Version).Distinct().ToArray()));
            var custom = _custom.Resources.GroupBy(r => r.Group).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(r => r.Version).Distinct().OrderBy(v => v, KubeVersionComparer.Instance).ToArray()));
            return builtIn.Concat(custom).ToArray();
        }
    }

    /// <summary>The resources of one group version.</summary>
    public IEnumerable<ApiResource> InGroupVersion(string group, string version) =>
        Resources.Where(r => r.Group == group && r.Version == version);

    /// <summary>Finds a resource by its URL coordinates.</summary>
    public ApiResource? Find(string group, string version, string resource) =>
        _byPath.TryGetValue((group, version, resource), out var found) ? found
        : _custom.ByPath.TryGetValue((group, version, resource), out var custom) ? custom : null;

    /// <summary>The resources of the kinds Emulator models (from the Kubernetes model's kind registry).</summary>
    public static ApiResourceCatalog Default { get; } = FromRegistry(Kubernetes.Kinds.KindRegistry.Default);

    /// <summary>Builds the catalog of a kind registry.</summary>
    public static ApiResourceCatalog FromRegistry(Kubernetes.Kinds.KindRegistry registry) =>
        new(registry.Kinds.Select(k => new ApiResource(k.Group, k.Version, k.Resource, k.Singular, k.Kind, k.Namespaced,
            k.ShortNames, k.Categories, k.HasStatus, k.HasScale)
        { ResourceVerbs = k.ServedVerbs, Stored = k.Stored })
            .Concat(VersionConversion.ServedResources.Where(r => registry.Kinds.Any(k => k.Group == r.Group && k.Kind == r.Kind))));

    /// <summary>A new catalog of the same built-in resources, ready to take custom resources (one per API server).</summary>
    public ApiResourceCatalog WithoutCustomResources() => new(_builtIn);

    /// <summary>
    /// Serves (or stops serving) what a stored CRD defines: every served version while its names are accepted and
    /// it does not shadow a built-in resource. Older versions of the CRD than the one applied are ignored.
    /// </summary>
    public void Apply(StoredObject crd)
    {
        var definition = CustomResourceTypes.Parse(crd);
        IReadOnlyList<ApiResource> resources = definition is { NamesAccepted: true } && !_byPath.Keys.Any(k => k.Group == definition.Group && k.Resource == definition.Plural)
            ? definition.ServedVersions.Select(v => ApiResource.ForCustomResource(definition, v)).ToArray()
            : [];
        Update(crd.Name, crd.ResourceVersion, resources);
    }

    /// <summary>Stops serving what a CRD that is gone defined (unless a newer version of it was applied since).</summary>
    public void Remove(string crdName, long resourceVersion) => Update(crdName, resourceVersion, null);

    /// <summary>Serves exactly the given CRDs (after a full list of them).</summary>
    public void Replace(IEnumerable<StoredObject> crds)
    {
        lock (_customLock)
        {
            _custom = CustomSnapshot.Empty;
        }
        foreach (var crd in crds)
        {
            Apply(crd);
        }
    }

    private void Update(string crdName, long resourceVersion, IReadOnlyList<ApiResource>? resources)
    {
        lock (_customLock)
        {
            var definitions = _custom.Definitions;
            if (definitions.TryGetValue(crdName, out var current) && current.ResourceVersion > resourceVersion)
            {
                return;
            }
            definitions = resources is null ? definitions.Remove(crdName) : definitions.SetItem(crdName, (resourceVersion, resources));
            var all = definitions.OrderBy(d => d.Key, StringComparer.Ordinal).SelectMany(d => d.Value.Resources).ToArray();
            var byPath = new Dictionary<(string, string, string), ApiResource>();
            foreach (var r in all)
            {
                byPath.TryAdd((r.Group, r.Version, r.Resource), r);
            }
            _custom = new CustomSnapshot(definitions, all, byPath);
        }
    }
}
