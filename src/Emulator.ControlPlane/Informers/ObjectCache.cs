using System.Runtime.InteropServices;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Informers;

/// <summary>
/// An object in a cache: the stored version and its parsed form. The parsed form is shared: read it, never change it
/// (clone to write). It is parsed at the first read of <see cref="Object"/>: a version that no controller reads beyond
/// its stored fields (<see cref="StoredObject.Labels"/>, <see cref="StoredObject.ControllerReference"/>, …) is never
/// parsed into a tree, which is most of what a short-lived version would cost the garbage collector.
/// </summary>
public sealed class CachedObject(StoredObject stored)
{
    /// <summary>The stored version.</summary>
    public StoredObject Stored { get; } = stored;

    /// <summary>The parsed form, shared by every reader of this version.</summary>
    public KubeObject Object => Stored.Parsed;

    /// <summary>
    /// The version for a read that keeps nothing of it (an index key, a derived fact): the shared tree when a reader
    /// already parsed it, else a private copy parsed only as far as it is read, garbage once the read is done.
    /// </summary>
    public KubeObject Peek() => Stored.ParsedIfAny ?? new KubeObject(Stored.ToJsonObject());

    /// <summary>The object's resourceVersion.</summary>
    public long ResourceVersion => Stored.ResourceVersion;

    /// <summary>The object's namespace (null when cluster-scoped).</summary>
    public string? Namespace => Stored.Namespace;

    /// <summary>The object's name.</summary>
    public string Name => Stored.Name;
}

/// <summary>
/// The objects of one resource type as a controller last saw them, kept by list + watch (an informer's store). A change
/// older than what the cache holds is ignored, so watch events and the objects returned by the controller's own writes
/// can arrive in any order. Secondary indexes (pods by node, by owner) are kept up to date with every change.
/// </summary>
public sealed class ObjectCache
{
    private readonly Dictionary<(string Namespace, string Name), CachedObject> _objects = [];
    // Objects this controller removed (by its own delete) before the watch said so: older changes must not bring them back.
    private readonly Dictionary<(string Namespace, string Name), long> _removed = [];
    private readonly Dictionary<string, Index> _indexes = new(StringComparer.Ordinal);

    /// <summary>Creates an empty cache of <paramref name="type"/>.</summary>
    public ObjectCache(ResourceType type) => Type = type;

    /// <summary>The cached type.</summary>
    public ResourceType Type { get; }

    /// <summary>Number of objects.</summary>
    public int Count => _objects.Count;

    /// <summary>Every object (unordered).</summary>
    public IEnumerable<CachedObject> All => _objects.Values;

    /// <summary>One object, or null.</summary>
    public CachedObject? Get(string? ns, string name) => _objects.GetValueOrDefault((ns ?? "", name));

    /// <summary>The objects of a namespace.</summary>
    public IEnumerable<CachedObject> InNamespace(string ns) => _objects.Values.Where(o => o.Namespace == ns);

    /// <summary>Adds an index: <paramref name="keys"/> gives the index keys of an object.</summary>
    public void AddIndex(string name, Func<KubeObject, IEnumerable<string>> keys) => AddIndex(name, (CachedObject obj) => keys(obj.Object));

    /// <summary>Adds an index whose keys come from a cached object (its stored fields need no parsed tree).</summary>
    public void AddIndex(string name, Func<CachedObject, IEnumerable<string>> keys)
    {
        var index = new Index(keys);
        foreach (var obj in _objects.Values)
        {
            index.Add(obj);
        }
        _indexes[name] = index;
    }

    /// <summary>
    /// Adds an index of the objects by their controller's uid (<c>ownerReferences</c> with <c>controller: true</c>; of
    /// kind <paramref name="kind"/> only, when given): what a workload controller owns.
    /// </summary>
    public void AddControllerIndex(string name, string? kind = null) =>
        AddIndex(name, (CachedObject obj) => obj.Stored.ControllerReference is { } owner && (kind is null || owner.Kind == kind) ? [owner.Uid] : []);

    /// <summary>Adds an index of the objects without a controller, by namespace: the orphans a controller may adopt.</summary>
    public void AddOrphanIndex(string name) =>
        AddIndex(name, (CachedObject obj) => obj.Stored.ControllerReference is null ? [obj.Namespace ?? ""] : []);

    /// <summary>The objects whose index <paramref name="index"/> has key <paramref name="key"/>.</summary>
    public IReadOnlyCollection<CachedObject> ByIndex(string index, string key) =>
        _indexes[index].Entries.TryGetValue(key, out var set) ? set.Values : [];

    /// <summary>Replaces the content with a list's result (a relist). Returns the objects that changed or went.</summary>
    internal List<(CachedObject? Before, CachedObject? After)> Replace(IReadOnlyList<StoredObject> items)
    {
        var changes = new List<(CachedObject?, CachedObject?)>();
        var seen = new HashSet<(string, string)>();
        foreach (var item in items)
        {
            var key = (item.Namespace ?? "", item.Name);
            seen.Add(key);
            var before = _objects.GetValueOrDefault(key);
            if (before is null || before.ResourceVersion != item.ResourceVersion)
            {
                changes.Add((before, Put(item)));
            }
        }
        foreach (var gone in _objects.Keys.Where(k => !seen.Contains(k)).ToArray())
        {
            changes.Add((Delete(gone), null));
        }
        _removed.Clear();
        return changes;
    }

    /// <summary>Applies a watch event; returns the change, or null when the cache already had it.</summary>
    internal (CachedObject? Before, CachedObject? After)? Apply(WatchEvent change)
    {
        var item = change.Object;
        if (change.Type != WatchEventType.Deleted)
        {
            return Observe(item);
        }
        var key = (item.Namespace ?? "", item.Name);
        var before = _objects.GetValueOrDefault(key);
        _removed.Remove(key);
        if (before is null || before.ResourceVersion > item.ResourceVersion)
        {
            return null;
        }
        Delete(key);
        return (before, null);
    }

    /// <summary>Takes in an object a write returned (it may be ahead of the watch); returns the change, or null when the cache already had it.</summary>
    internal (CachedObject? Before, CachedObject? After)? Observe(StoredObject item)
    {
        var key = (item.Namespace ?? "", item.Name);
        // One lookup finds the version held and takes the new one: every informer of every controller does this for
        // every change of its types.
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_objects, key, out var exists);
        var before = slot;
        if ((before is not null && before.ResourceVersion >= item.ResourceVersion)
            || (_removed.Count > 0 && _removed.TryGetValue(key, out var removedAt) && removedAt >= item.ResourceVersion))
        {
            if (!exists)
            {
                _objects.Remove(key);
            }
            return null;
        }
        return (before, Take(ref slot, item));
    }

    /// <summary>Forgets an object this controller's delete removed; changes up to <paramref name="resourceVersion"/> cannot bring it back.</summary>
    internal CachedObject? Forget(string? ns, string name, long resourceVersion)
    {
        var key = (ns ?? "", name);
        if (_objects.TryGetValue(key, out var current) && current.ResourceVersion > resourceVersion)
        {
            return null;
        }
        var before = Delete(key);
        _removed[key] = resourceVersion;
        return before;
    }

    private CachedObject Put(StoredObject item) =>
        Take(ref CollectionsMarshal.GetValueRefOrAddDefault(_objects, (item.Namespace ?? "", item.Name), out _), item);

    // A new version takes the object's slot, and the indexes take it in place of the one before (if any).
    private CachedObject Take(ref CachedObject? slot, StoredObject item)
    {
        var before = slot;
        var cached = new CachedObject(item);
        slot = cached;
        foreach (var index in _indexes.Values)
        {
            if (before is not null)
            {
                index.Replace(before, cached);
            }
            else
            {
                index.Add(cached);
            }
        }
        return cached;
    }

    private CachedObject? Delete((string, string) key)
    {
        if (!_objects.Remove(key, out var before))
        {
            return null;
        }
        foreach (var index in _indexes.Values)
        {
            index.Remove(before);
        }
        return before;
    }

    private sealed class Index(Func<CachedObject, IEnumerable<string>> keys)
    {
        // Each object's keys as computed when it was added: removing it must not compute them again.
        private readonly Dictionary<(string, string), string[]> _keysOf = [];

        public Dictionary<string, Dictionary<(string, string), CachedObject>> Entries { get; } = new(StringComparer.Ordinal);

        public void Add(CachedObject obj) => Add(obj, keys(obj).ToArray());

        private void Add(CachedObject obj, string[] objectKeys)
        {
            var id = (obj.Namespace ?? "", obj.Name);
            if (objectKeys.Length == 0)
            {
                return;
            }
            _keysOf[id] = objectKeys;
            foreach (var key in objectKeys)
            {
                if (!Entries.TryGetValue(key, out var set))
                {
                    Entries[key] = set = [];
                }
                set[id] = obj;
            }
        }

        /// <summary>
        /// A new version of an indexed object. Most changes keep an object's keys (its owner, its node): the entries
        /// then take the new version in place instead of being removed and added again.
        /// </summary>
        public void Replace(CachedObject before, CachedObject after)
        {
            var id = (after.Namespace ?? "", after.Name);
            var fresh = keys(after);
            if (_keysOf.TryGetValue(id, out var previous) && SameKeys(previous, fresh))
            {
                foreach (var key in previous)
                {
                    Entries[key][id] = after;
                }
                return;
            }
            Remove(before);
            Add(after, fresh.ToArray());
        }

        // Compared without copying the keys: every change of every cached object comes through here.
        private static bool SameKeys(string[] previous, IEnumerable<string> fresh)
        {
            if (fresh is not IReadOnlyList<string> list)
            {
                return previous.AsSpan().SequenceEqual(fresh.ToArray());
            }
            if (list.Count != previous.Length)
            {
                return false;
            }
            for (var i = 0; i < previous.Length; i++)
            {
                if (!string.Equals(list[i], previous[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }

        public void Remove(CachedObject obj)
        {
            var id = (obj.Namespace ?? "", obj.Name);
            if (!_keysOf.Remove(id, out var objectKeys))
            {
                return;
            }
            foreach (var key in objectKeys)
            {
                if (Entries.TryGetValue(key, out var set) && set.Remove(id) && set.Count == 0)
                {
                    Entries.Remove(key);
                }
            }
        }
    }
}
