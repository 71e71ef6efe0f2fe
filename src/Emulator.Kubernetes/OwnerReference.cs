using System.Text.Json.Nodes;

namespace Emulator.Kubernetes;

/// <summary>An entry of <c>metadata.ownerReferences</c>: the owner a garbage collector follows.</summary>
/// <param name="ApiVersion">Owner's apiVersion.</param>
/// <param name="Kind">Owner's kind.</param>
/// <param name="Name">Owner's name.</param>
/// <param name="Uid">Owner's uid (the strategic merge key of the list).</param>
/// <param name="Controller">True for the managing controller (at most one per object).</param>
/// <param name="BlockOwnerDeletion">True when foreground deletion of the owner waits for this dependent.</param>
public sealed record OwnerReference(
    string ApiVersion,
    string Kind,
    string Name,
    string Uid,
    bool? Controller = null,
    bool? BlockOwnerDeletion = null)
{
    /// <summary>Reads an owner reference from its JSON form.</summary>
    public static OwnerReference FromJson(JsonObject obj) => new(
        JsonTree.GetString(obj, "apiVersion") ?? "",
        JsonTree.GetString(obj, "kind") ?? "",
        JsonTree.GetString(obj, "name") ?? "",
        JsonTree.GetString(obj, "uid") ?? "",
        JsonTree.GetBool(obj, "controller"),
        JsonTree.GetBool(obj, "blockOwnerDeletion"));

    /// <summary>The JSON form, with fields in the order the API server writes them.</summary>
    public JsonObject ToJson()
    {
        var obj = new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = Kind,
            ["name"] = Name,
            ["uid"] = Uid,
        };
        if (Controller is { } c)
        {
            obj["controller"] = c;
        }
        if (BlockOwnerDeletion is { } b)
        {
            obj["blockOwnerDeletion"] = b;
        }
        return obj;
    }
}
