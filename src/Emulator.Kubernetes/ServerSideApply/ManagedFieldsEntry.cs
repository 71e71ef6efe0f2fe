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

    /// <summary>The same fields under another identity (the cap's <c>ancient-changes</c> bucket).</summary>
    public ManagedFieldsEntry As(ManagerIdentity identity, string? time) => new(identity, ApiVersion, time, Fields, null);

    /// <summary>Reads an entry, checking what the API server checks.</summary>
    /// <exception cref="FormatException">On an operation other than Apply/Update, no apiVersion, a fieldsType other than FieldsV1, or malformed fields.</exception>
    public static ManagedFieldsEntry Parse(JsonNode? node, int index)
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
        // Fields are checked now (a malformed entry makes the whole list unreadable) but kept as JSON until used.
        var fields = FieldSet.FromFieldsV1(entry["fieldsV1"]);
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
