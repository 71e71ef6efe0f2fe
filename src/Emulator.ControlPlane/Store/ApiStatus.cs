using System.Net;

namespace Emulator.ControlPlane.Store;

/// <summary>One cause of a failed request, as in a Kubernetes <c>Status.details.causes</c> entry.</summary>
public sealed record StatusCause(string Reason, string Message, string Field);

/// <summary>
/// A failed API request in Kubernetes' terms: HTTP code, <c>reason</c> (NotFound, AlreadyExists, Conflict, Invalid,
/// Gone/Expired, BadRequest...), message, and the object it concerns. The REST layer renders it as a <c>Status</c> object.
/// </summary>
public sealed record ApiStatus(int Code, string Reason, string Message, string? Group = null, string? Kind = null, string? Name = null, IReadOnlyList<StatusCause>? Causes = null)
{
    /// <summary><c>404 NotFound</c>: <c>pods "web" not found</c>.</summary>
    public static ApiStatus NotFound(string resource, string group, string name) =>
        new((int)HttpStatusCode.NotFound, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", group, resource, name);

    /// <summary><c>409 AlreadyExists</c>.</summary>
    public static ApiStatus AlreadyExists(string resource, string group, string name) =>
        new((int)HttpStatusCode.Conflict, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", group, resource, name);

    /// <summary><c>409 Conflict</c> on a stale resourceVersion, with the API server's wording.</summary>
    public static ApiStatus Conflict(string resource, string group, string name) =>
        new((int)HttpStatusCode.Conflict, "Conflict",
            $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            group, resource, name);

    /// <summary><c>410 Expired</c>: a watch asked for history the server no longer keeps.</summary>
    public static ApiStatus Expired(long requested, long oldest) =>
        new((int)HttpStatusCode.Gone, "Expired", $"too old resource version: {requested} ({oldest})");

    /// <summary><c>400 BadRequest</c>.</summary>
    public static ApiStatus BadRequest(string message) => new((int)HttpStatusCode.BadRequest, "BadRequest", message);

    /// <summary><c>422 Invalid</c> with field causes.</summary>
    public static ApiStatus Invalid(string kind, string group, string name, IReadOnlyList<StatusCause> causes) =>
        new(422, "Invalid", $"{kind} \"{name}\" is invalid: {string.Join(", ", causes.Select(c => string.IsNullOrEmpty(c.Field) ? c.Message : $"{c.Field}: {c.Message}"))}",
            group, kind, name, causes);

    /// <summary>
    /// <c>403 Forbidden</c> (<c>NewForbidden</c>: creating in a terminating namespace, a request RBAC does not allow):
    /// <c>pods "web" is forbidden: WHY</c>, <c>pods is forbidden: WHY</c> without a name, <c>forbidden: WHY</c> without a resource.
    /// </summary>
    public static ApiStatus Forbidden(string resource, string group, string name, string why)
    {
        var subject = resource.Length == 0 ? "" : name.Length == 0 ? Qualified(resource, group) + " is " : $"{Qualified(resource, group)} \"{name}\" is ";
        return new((int)HttpStatusCode.Forbidden, "Forbidden", $"{subject}forbidden: {why}",
            group, resource.Length == 0 ? null : resource, name.Length == 0 ? null : name);
    }

    /// <summary>Kubernetes' <c>NewInternalError</c>: 500 InternalError, <c>Internal error occurred: …</c>, the error as its single cause.</summary>
    public static ApiStatus Internal(string error) =>
        new((int)HttpStatusCode.InternalServerError, "InternalError", $"Internal error occurred: {error}", Causes: [new StatusCause("", error, "")]);

    /// <summary>
    /// <c>429 TooManyRequests</c> (<c>NewTooManyRequests</c>); a positive <paramref name="retryAfterSeconds"/> becomes
    /// <c>details.retryAfterSeconds</c> and the <c>Retry-After</c> header.
    /// </summary>
    public static ApiStatus TooManyRequests(string message, int retryAfterSeconds, IReadOnlyList<StatusCause>? causes = null) =>
        new((int)HttpStatusCode.TooManyRequests, "TooManyRequests", message, Causes: causes) { RetryAfterSeconds = retryAfterSeconds };

    /// <summary>Seconds a client should wait before retrying (<c>details.retryAfterSeconds</c>; 0: not given).</summary>
    public int RetryAfterSeconds { get; init; }

    /// <summary><c>resource.group</c>, or just <c>resource</c> for the core group.</summary>
    public static string Qualified(string resource, string group) => string.IsNullOrEmpty(group) ? resource : $"{resource}.{group}";
}

/// <summary>Thrown inside the control plane to fail a request with a Kubernetes status.</summary>
public sealed class ApiStatusException(ApiStatus status) : Exception(status.Message)
{
    /// <summary>The status to return.</summary>
    public ApiStatus Status { get; } = status;
}
