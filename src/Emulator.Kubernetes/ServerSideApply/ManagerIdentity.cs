using System.Text;
using Emulator.Kubernetes.Decoding;

namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// Who owns a set of fields, as the API server keys managedFields entries (<c>BuildManagerIdentifier</c>): a manager
/// name, the operation, and for updates the API version written through (an applier keeps one entry whatever
/// version it applies with) and the subresource.
/// </summary>
/// <param name="Manager">The field manager name.</param>
/// <param name="Operation"><c>Apply</c> or <c>Update</c>.</param>
/// <param name="ApiVersion">The API version of an Update entry (empty for Apply).</param>
/// <param name="Subresource">The subresource written (<c>status</c>, <c>scale</c>), or empty.</param>
public sealed record ManagerIdentity(string Manager, string Operation, string ApiVersion, string Subresource)
{
    /// <summary>The Apply operation.</summary>
    public const string Apply = "Apply";

    /// <summary>The Update operation (create, update, patch).</summary>
    public const string Update = "Update";

    /// <summary>True for an applier.</summary>
    public bool IsApply => Operation == Apply;

    /// <summary>
    /// The identifier Kubernetes compares managers by: the entry's JSON without time and fields
    /// (<c>{"manager":"kubectl","operation":"Apply"}</c>); conflict messages list managers in its order.
    /// </summary>
    public string Key => _key ??= BuildKey(Manager, Operation, ApiVersion, Subresource);

    private string? _key;

    /// <inheritdoc />
    public bool Equals(ManagerIdentity? other) =>
        other is not null && Manager == other.Manager && Operation == other.Operation && ApiVersion == other.ApiVersion && Subresource == other.Subresource;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Manager, Operation, ApiVersion, Subresource);

    private static string BuildKey(string manager, string operation, string apiVersion, string subresource)
    {
        var builder = new StringBuilder("{\"manager\":").Append(GoFormat.SortedJson(manager))
            .Append(",\"operation\":").Append(GoFormat.SortedJson(operation));
        if (operation != Apply && apiVersion.Length > 0)
        {
            builder.Append(",\"apiVersion\":").Append(GoFormat.SortedJson(apiVersion));
        }
        if (subresource.Length > 0)
        {
            builder.Append(",\"subresource\":").Append(GoFormat.SortedJson(subresource));
        }
        return builder.Append('}').ToString();
    }

    /// <summary>
    /// As conflict messages name the manager: <c>"kubectl"</c>, <c>"kubectl-client-side-apply" using apps/v1</c>,
    /// <c>"kubectl" with subresource "scale" using apps/v1</c>.
    /// </summary>
    public string Describe()
    {
        var text = GoFormat.Quote(Manager);
        if (Subresource.Length > 0)
        {
            text += $" with subresource {GoFormat.Quote(Subresource)}";
        }
        return IsApply ? text : $"{text} using {ApiVersion}";
    }
}
