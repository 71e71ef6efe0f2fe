using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// The decoded <c>metadata.managedFields</c> of an object: one entry per manager identity. Written back sorted as
/// the API server sorts them: by operation (Apply before Update), time, manager, API version, subresource.
/// </summary>
public sealed class ManagedFields
{
    private readonly Dictionary<ManagerIdentity, ManagedFieldsEntry> _entries;

    private ManagedFields(Dictionary<ManagerIdentity, ManagedFieldsEntry> entries)
    {
        _entries = entries;
    }

    /// <summary>No entries.</summary>
    public static ManagedFields Empty() => new([]);

    /// <summary>The entries, by identity.</summary>
    public IReadOnlyDictionary<ManagerIdentity, ManagedFieldsEntry> Entries => _entries;

    /// <summary>True when no manager owns anything.</summary>
    public bool IsEmpty => _entries.Count == 0;

    /// <summary>The entry of <paramref name="identity"/>, or null.</summary>
    public ManagedFieldsEntry? this[ManagerIdentity identity] => _entries.GetValueOrDefault(identity);

    /// <summary>Sets (or, with null, removes) the entry of <paramref name="identity"/>.</summary>
    public void Set(ManagerIdentity identity, ManagedFieldsEntry? entry)
    {
        if (entry is null)
        {
            _entries.Remove(identity);
        }
        else
        {
            _entries[identity] = entry;
        }
    }

    /// <summary>A copy (entries are immutable, so this copies the table only).</summary>
    public ManagedFields Clone() => new(new Dictionary<ManagerIdentity, ManagedFieldsEntry>(_entries));

    /// <summary>Reads an object's managedFields (absent or null: empty).</summary>
    /// <param name="managedFields">The list.</param>
    /// <param name="checkFields">Read every entry's fields now (the list comes from a client); else on first use.</param>
    /// <exception cref="FormatException">When an entry is not valid.</exception>
    public static ManagedFields Decode(JsonNode? managedFields, bool checkFields = true)
    {
        var entries = new Dictionary<ManagerIdentity, ManagedFieldsEntry>();
        if (managedFields is null)
        {
            return new ManagedFields(entries);
        }
        if (managedFields is not JsonArray list)
        {
            throw new FormatException("managedFields must be a list");
        }
        for (var i = 0; i < list.Count; i++)
        {
            var entry = ManagedFieldsEntry.Parse(list[i], i, checkFields);
            entries[entry.Identity] = entry;
        }
        return new ManagedFields(entries);
    }

    /// <summary>
    /// True when the list asks for the managed fields to be reset: an empty list, or a list of one empty entry (how a
    /// client clears them).
    /// </summary>
    public static bool IsReset(JsonNode? managedFields) =>
        managedFields is JsonArray list && (list.Count == 0 || list.Count == 1 && list[0] is JsonObject { Count: 0 });

    /// <summary>The entries as the API server writes them, sorted; null when there are none.</summary>
    public JsonArray? Encode()
    {
        if (_entries.Count == 0)
        {
            return null;
        }
        var sorted = _entries.Values.ToList();
        sorted.Sort(static (p, q) =>
        {
            if (p.Identity.Operation != q.Identity.Operation)
            {
                return string.CompareOrdinal(p.Identity.Operation, q.Identity.Operation);
            }
            var byTime = Seconds(p.Time).CompareTo(Seconds(q.Time));
            if (byTime != 0)
            {
                return byTime;
            }
            if (p.Identity.Manager != q.Identity.Manager)
            {
                return string.CompareOrdinal(p.Identity.Manager, q.Identity.Manager);
            }
            if (p.ApiVersion != q.ApiVersion)
            {
                return string.CompareOrdinal(p.ApiVersion, q.ApiVersion);
            }
            return string.CompareOrdinal(p.Identity.Subresource, q.Identity.Subresource);
        });
        var array = new JsonArray();
        foreach (var entry in sorted)
        {
            array.Add(entry.ToJson());
        }
        return array;
    }

    private static long Seconds(string? time) =>
        time is not null && DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUnixTimeSeconds()
            : 0;
}
