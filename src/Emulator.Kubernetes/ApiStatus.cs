using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes;

/// <summary>
/// Builds <c>meta.k8s.io/v1 Status</c> failure objects with the reasons, codes and wording the API server
/// uses, so kubectl prints <c>Error from server (NotFound): pods "x" not found</c> and the like.
/// </summary>
public static class ApiStatus
{
    /// <summary>404 NotFound: <c>deployments.apps "web" not found</c>.</summary>
    public static JsonObject NotFound(KindInfo kind, string name) =>
        Failure(404, "NotFound", $"{kind.QualifiedResource} \"{name}\" not found", Details(kind, name));

    /// <summary>409 AlreadyExists: <c>deployments.apps "web" already exists</c>.</summary>
    public static JsonObject AlreadyExists(KindInfo kind, string name) =>
        Failure(409, "AlreadyExists", $"{kind.QualifiedResource} \"{name}\" already exists", Details(kind, name));

    /// <summary>409 Conflict for a stale resourceVersion.</summary>
    public static JsonObject Conflict(KindInfo kind, string name) =>
        Failure(409, "Conflict",
            $"Operation cannot be fulfilled on {kind.QualifiedResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            Details(kind, name));

    /// <summary>422 Invalid with one cause per field error.</summary>
    public static JsonObject Invalid(InvalidObjectException error)
    {
        var details = new JsonObject { ["name"] = error.Name };
        if (error.Group.Length > 0)
        {
            details["group"] = error.Group;
        }
        details["kind"] = error.Kind;
        details["causes"] = new JsonArray(error.Errors.Select(e => (JsonNode?)new JsonObject
        {
            ["reason"] = e.Reason,
            ["message"] = e.Message,
            ["field"] = e.Field,
        }).ToArray());
        return Failure(422, "Invalid", error.Message, details);
    }

    /// <summary>400 BadRequest with a message (malformed bodies, strict decoding errors, bad selectors).</summary>
    public static JsonObject BadRequest(string message) => Failure(400, "BadRequest", message, null);

    /// <summary>403 Forbidden: <c>namespaces "default" is forbidden: this namespace may not be deleted</c>.</summary>
    public static JsonObject Forbidden(KindInfo kind, string name, string reason) =>
        Failure(403, "Forbidden", $"{kind.QualifiedResource} \"{name}\" is forbidden: {reason}", Details(kind, name));

    /// <summary>403 Forbidden for a create in a terminating namespace.</summary>
    public static JsonObject NamespaceTerminating(string ns)
    {
        var details = new JsonObject
        {
            ["name"] = ns,
            ["kind"] = "namespaces",
            ["causes"] = new JsonArray(new JsonObject
            {
                ["reason"] = "NamespaceTerminating",
                ["message"] = $"namespace {ns} is being terminated",
                ["field"] = "metadata.namespace",
            }),
        };
        return Failure(403, "Forbidden", $"unable to create new content in namespace {ns} because it is being terminated", details);
    }

    /// <summary>410 Expired for a watch or list from a compacted resourceVersion.</summary>
    public static JsonObject Expired(string requested, string oldest) =>
        Failure(410, "Expired", $"too old resource version: {requested} ({oldest})", null);

    /// <summary>405 MethodNotAllowed.</summary>
    public static JsonObject MethodNotAllowed(string message) => Failure(405, "MethodNotAllowed", message, null);

    /// <summary>A Status object with <c>status: Failure</c>.</summary>
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }
        status["code"] = code;
        return status;
    }

    /// <summary>A Status object with <c>status: Success</c> (answers to deletes of some kinds).</summary>
    public static JsonObject Success(KindInfo kind, string name, string uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = name, ["group"] = kind.Group, ["kind"] = kind.Resource, ["uid"] = uid },
    };

    private static JsonObject Details(KindInfo kind, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }
        details["kind"] = kind.Resource;
        return details;
    }
}
