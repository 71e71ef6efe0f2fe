namespace Emulator.Kubernetes.ServerSideApply;

/// <summary>
/// A server-side apply that cannot proceed for a reason other than a conflict: a configuration that does not fit its
/// kind's schema, a wrong version or kind, managedFields in the configuration. <see cref="StatusCode"/> is what the
/// API server answers (it answers 500 for a configuration its typed conversion refuses).
/// </summary>
public sealed class ApplyException(string message, int statusCode = 500) : Exception(message)
{
    /// <summary>The HTTP status the API server answers with.</summary>
    public int StatusCode { get; } = statusCode;
}
