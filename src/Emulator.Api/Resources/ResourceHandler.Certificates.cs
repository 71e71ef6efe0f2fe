using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Validation;
using Emulator.Runtime.Time;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

// certificatesigningrequests/approval: kubectl certificate approve|deny writes the Approved/Denied conditions here.
public sealed partial class ResourceHandler
{
    /// <summary>
    /// <c>PUT</c> or <c>PATCH …/certificatesigningrequests/NAME/approval</c> (the approval strategy): only <c>status.conditions</c>
    /// change; conditions without times get the current time; Approved and Denied must be True, may not both be
    /// present and may not be removed once set.
    /// </summary>
    private async Task UpdateApproval(HttpContext context, ResourceRoute route, JsonObject body)
    {
        var current = (await Ask(new GetObject(Type(route), null, route.Name!)).ConfigureAwait(false)).ToJsonObject();
        var oldConditions = JsonTree.Get(current, "status", "conditions") as JsonArray ?? [];
        var conditions = JsonTree.Get(body, "status", "conditions")?.DeepClone() as JsonArray ?? [];
        var now = Rfc3339Time.Format(system.EmulatedClock().UtcNow);
        var errors = new List<FieldError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < conditions.Count; i++)
        {
            if (conditions[i] is not JsonObject condition)
            {
                continue;
            }
            var path = $"status.conditions[{i}]";
            var type = JsonTree.GetString(condition, "type") ?? "";
            var status = JsonTree.GetString(condition, "status") ?? "";
            if (type.Length == 0)
            {
                errors.Add(FieldError.Required(path + ".type"));
            }
            else if (!seen.Add(type))
            {
                errors.Add(FieldError.Duplicate(path + ".type", type));
            }
            if (type is "Approved" or "Denied" && status != "True")
            {
                errors.Add(FieldError.NotSupported(path + ".status", status, ["True"]));
            }
            if ((type == "Approved" && seen.Contains("Denied")) || (type == "Denied" && seen.Contains("Approved")))
            {
                errors.Add(FieldError.Invalid(path + ".type", type, "Approved and Denied conditions are mutually exclusive"));
            }
            // populateConditionTimestamps.
            if (string.IsNullOrEmpty(JsonTree.GetString(condition, "lastUpdateTime")))
            {
                condition["lastUpdateTime"] = now;
            }
            if (string.IsNullOrEmpty(JsonTree.GetString(condition, "lastTransitionTime")))
            {
                condition["lastTransitionTime"] = JsonTree.GetString(condition, "lastUpdateTime");
            }
        }
        foreach (var type in new[] { "Approved", "Denied" })
        {
            if (oldConditions.OfType<JsonObject>().Any(c => JsonTree.GetString(c, "type") == type) && !seen.Contains(type))
            {
                errors.Add(FieldError.Forbidden("status.conditions", $"updates may not remove a condition of type \"{type}\""));
            }
        }
        if (errors.Count > 0)
        {
            var invalid = new InvalidObjectException(route.Resource.Group, route.Resource.Kind, route.Name!, errors);
            throw new ApiStatusException(new ApiStatus(422, "Invalid", invalid.Message, route.Resource.Group, route.Resource.Kind, route.Name,
                errors.Select(e => new StatusCause(e.Reason, e.Message, e.Field)).ToArray()));
        }
        var next = current.DeepClone().AsObject();
        if (JsonTree.GetString(body, "metadata", "resourceVersion") is { Length: > 0 } resourceVersion)
        {
            next["metadata"]!["resourceVersion"] = resourceVersion;
        }
        var nextStatus = next["status"] as JsonObject ?? [];
        next["status"] = nextStatus;
        nextStatus["conditions"] = conditions;
        var updated = await Ask(new UpdateObject(Type(route), next, UpdateScope.Status, DryRun(context)) { UserInfo = UserInfo(context), Ownership = Ownership(context, route, "approval") }).ConfigureAwait(false);
        await ApiResponses.WriteRaw(context, route.Resource.JsonOf(updated)).ConfigureAwait(false);
    }

    /// <summary>
    /// The CSR strategy's PrepareForCreate: whatever the client wrote, <c>spec.username</c>, <c>uid</c>, <c>groups</c> and
    /// <c>extra</c> are the requesting user's (empty ones left out), and a new request has no status conditions — no
    /// one creates a request already approved.
    /// </summary>
    private static void SetRequestor(JsonObject csr, RequestUser user)
    {
        if (csr["spec"] is not JsonObject spec)
        {
            return;
        }
        foreach (var field in new[] { "username", "uid", "groups", "extra" })
        {
            spec.Remove(field);
        }
        var info = Reviews.UserInfo(user);
        foreach (var field in new[] { "username", "uid", "groups", "extra" })
        {
            if (info[field] is { } value)
            {
                spec[field] = value.DeepClone();
            }
        }
        csr.Remove("status");
    }
}
