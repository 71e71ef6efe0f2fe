namespace Emulator.ControlPlane.Store;

/// <summary>
/// Who a write is recorded as in <c>metadata.managedFields</c>: the field manager (the request's <c>fieldManager</c>,
/// else its user agent's program name), the subresource written through, and the API version of the request. The
/// API server's writes carry one; the components' own writes through the store do not, and keep the object's managed
/// fields as they are (tracking every pod and status write would cost the 10,000-pod cluster about a fifth of its time
/// and a quarter of its memory).
/// </summary>
/// <param name="Manager">The field manager name.</param>
/// <param name="Subresource"><c>scale</c> for a write through the scale subresource (status writes say so by their scope).</param>
/// <param name="ApiVersion">The API version the request used (null: the type's).</param>
public sealed record FieldOwnership(string Manager, string? Subresource = null, string? ApiVersion = null)
{
    /// <summary>
    /// True when the object's managedFields were computed by a server-side apply: the store keeps them as they are
    /// instead of recording the write as an update.
    /// </summary>
    public bool Applied { get; init; }
}
