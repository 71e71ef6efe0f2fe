namespace Emulator.ControlPlane.Events;

/// <summary>
/// A bounded map that forgets the least recently used entry first, as the LRU caches of client-go's event recorder do
/// (<c>maxLruCacheEntries</c>): what the recorder has written, and the correlator's groups and budgets.
/// </summary>
/// <param name="capacity">How many entries it keeps.</param>
internal sealed class RecentlyUsed<T>(int capacity)
    where T : class
{
    private readonly Dictionary<string, LinkedListNode<(string Key, T Value)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, T Value)> _order = new();

    /// <summary>The least recently used value, or null when empty.</summary>
    public T? Oldest => _order.First?.Value.Value;

    /// <summary>The value of <paramref name="key"/> (now the most recently used), or null.</summary>
    public T? Get(string key)
    {
        if (!_entries.TryGetValue(key, out var node))
        {
            return null;
        }
        _order.Remove(node);
        _order.AddLast(node);
        return node.Value.Value;
    }

    /// <summary>Sets the value of <paramref name="key"/> as the most recently used, forgetting the oldest beyond the capacity.</summary>
    public void Put(string key, T value)
    {
        if (_entries.Remove(key, out var existing))
        {
            _order.Remove(existing);
        }
        _entries[key] = _order.AddLast((key, value));
        if (_entries.Count > capacity)
        {
            RemoveOldest();
        }
    }

    /// <summary>Forgets the least recently used entry.</summary>
    public void RemoveOldest()
    {
        if (_order.First is { } oldest)
        {
            _entries.Remove(oldest.Value.Key);
            _order.RemoveFirst();
        }
    }
}
