using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// One <c>metadata.managedFields</c> entry: who, which API version the fields are expressed in, when, and the fields.
/// The field set is read from its FieldsV1 on first use; an entry nothing changed writes back its original JSON.
/// </summary>
public sealed class ManagedFieldsEntry
{
    private FieldSet? _fields;
    private JsonObject? _source;

    private ManagedFieldsEntry(ManagerIdentity identity, string apiVersion, string? time, FieldSet? fields, JsonObject? source)
    {
        Identity = identity;
        ApiVersion = apiVersion;
        Time = time;
        _fields = fields;
        _source = source;
    }

    /// <summary>An entry for these fields.</summary>
    public ManagedFieldsEntry(ManagerIdentity identity, string apiVersion, string? time, FieldSet fields)
        : this(identity, apiVersion, time, fields, null)
    {
    }

    /// <summary>Who owns the fields.</summary>
    public ManagerIdentity Identity { get; }

    /// <summary>The API version the field paths are expressed in.</summary>
    public string ApiVersion { get; }

    /// <summary>When the manager last changed the object (RFC 3339), or null.</summary>
    public string? Time { get; }

    /// <summary>The owned fields.</summary>
    public FieldSet Fields => _fields ??= FieldSet.FromFieldsV1(_source!["fieldsV1"]);

    /// <summary>The entry with other fields (and a new time, when given).</summary>
    public ManagedFieldsEntry With(FieldSet fields, string? time) => new(Identity, ApiVersion, time, fields, null);

    /// <summary>The same fields at another time (an entry read from JSON keeps its fields' JSON).</summary>
    public ManagedFieldsEntry WithTime(string? time)
    {
        if (_source is null)
        {
            return new ManagedFieldsEntry(Identity, ApiVersion, time, _fields, null);
        }
        var source = (JsonObject)_source.DeepClone();
        var fields = source["fieldsV1"];
        source.Remove("fieldsV1");
        source.Remove("time");
        source.Remove("fieldsType");
        source.Remove("subresource");
        if (time is not null)
        {
            source["time"] = time;
        }
        source["fieldsType"] = "FieldsV1";
        source["fieldsV1"] = fields;
        if (Identity.Subresource.Length > 0)
        {
            source["subresource"] = Identity.Subresource;
        }
        return new ManagedFieldsEntry(Identity, ApiVersion, time, _fields, source);
    }

    /// <summary>The same fields under another identity (the cap's <c>ancient-changes</c> bucket).</summary>
    public ManagedFieldsEntry As(ManagerIdentity identity, string? time) => new(identity, ApiVersion, time, Fields, null);

    /// <summary>
    /// True when the entry may own something under one of <paramref name="topLevel"/> (FieldsV1 keys such as
    /// <c>f:status</c>): an entry read from JSON is answered from its top-level keys without reading its fields.
    /// </summary>
    public bool MayOwnUnder(IReadOnlySet<string> topLevel)
    {
        if (_fields is not null || _source?["fieldsV1"] is not JsonObject fields)
        {
            return _fields is null || _fields.Members.Concat(_fields.Children.Select(c => c.Key)).Any(e => topLevel.Contains(e.Serialize()));
        }
        foreach (var (key, _) in fields)
        {
            if (topLevel.Contains(key))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Reads an entry, checking what the API server checks.</summary>
    /// <param name="node">The entry.</param>
    /// <param name="index">Its position (for messages).</param>
    /// <param name="checkFields">Read the fields now (a client wrote them); otherwise on first use (the store wrote them).</param>
    /// <exception cref="FormatException">On an operation other than Apply/Update, no apiVersion, a fieldsType other than FieldsV1, or malformed fields.</exception>
    public static ManagedFieldsEntry Parse(JsonNode? node, int index, bool checkFields = true)
    {
        if (node is not JsonObject entry)
        {
            throw new FormatException($"managed fields entry {index} is not an object");
        }
        var operation = JsonTree.AsString(entry["operation"]) ?? "";
        if (operation is not (ManagerIdentity.Apply or ManagerIdentity.Update))
        {
            throw new FormatException("operation must be `Apply` or `Update`");
        }
        var apiVersion = JsonTree.AsString(entry["apiVersion"]) ?? "";
        if (apiVersion.Length == 0)
        {
            throw new FormatException("apiVersion must not be empty");
        }
        switch (JsonTree.AsString(entry["fieldsType"]) ?? "")
        {
            case "FieldsV1":
                break;
            case "":
                throw new FormatException($"missing fieldsType in managed fields entry {index}");
            case var other:
                throw new FormatException($"invalid fieldsType \"{other}\" in managed fields entry {index}");
        }
        var identity = new ManagerIdentity(JsonTree.AsString(entry["manager"]) ?? "", operation,
            operation == ManagerIdentity.Apply ? "" : apiVersion, JsonTree.AsString(entry["subresource"]) ?? "");
        // Fields a client wrote are checked now (a malformed entry makes the whole list unreadable).
        var fields = checkFields ? FieldSet.FromFieldsV1(entry["fieldsV1"]) : null;
        return new ManagedFieldsEntry(identity, apiVersion, JsonTree.AsString(entry["time"]), fields, entry);
    }

    /// <summary>The entry as JSON, in the field order the API server writes.</summary>
    public JsonObject ToJson()
    {
        if (_source is not null)
        {
            return (JsonObject)_source.DeepClone();
        }
        var entry = new JsonObject
        {
            ["manager"] = Identity.Manager,
            ["operation"] = Identity.Operation,
            ["apiVersion"] = ApiVersion,
        };
        if (Time is not null)
        {
            entry["time"] = Time;
        }
        entry["fieldsType"] = "FieldsV1";
        entry["fieldsV1"] = Fields.ToFieldsV1();
        if (Identity.Subresource.Length > 0)
        {
            entry["subresource"] = Identity.Subresource;
        }
        return entry;
    }
}
