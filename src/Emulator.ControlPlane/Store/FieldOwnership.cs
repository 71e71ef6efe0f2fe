namespace Emulator.ControlPlane.Store;

/// <summary>
/// Who a write is recorded as in <c>metadata.managedFields</c>: the field manager (the request's <c>fieldManager</c>,
/// else its user agent's program name; <c>kube-controller-manager</c>, <c>kubelet</c> for the components), the
/// subresource written through, and the API version of the request.
/// </summary>
/// <param name="Manager">The field manager name.</param>
/// <param name="Subresource"><c>scale</c> for a write through the scale subresource (status writes say so by their scope).</param>
/// <param name="ApiVersion">The API version the request used (null: the type's).</param>
public sealed record FieldOwnership(string Manager, string? Subresource = null, string? ApiVersion = null)
{
    /// <summary>The controllers of the control plane.</summary>
    public static FieldOwnership ControllerManager { get; } = new("kube-controller-manager");

    /// <summary>The node agents and kubelets.</summary>
    public static FieldOwnership Kubelet { get; } = new("kubelet");

    /// <summary>
    /// True when the object's managedFields were computed by a server-side apply: the store keeps them as they are
    /// instead of recording the write as an update.
    /// </summary>
    public bool Applied { get; init; }
}
