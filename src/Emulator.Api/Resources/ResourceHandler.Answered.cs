using System.Text.Json.Nodes;
using Emulator.Api.Authorization;
using Emulator.Api.Printing;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Authorization;
using Emulator.Kubernetes.Validation;
using Emulator.Runtime.Time;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

// The resources the API server answers without storing anything: the authentication and authorization reviews,
// core/v1 bindings and component statuses.
public sealed partial class ResourceHandler
{
    // What kube-apiserver's componentstatus REST reports: the scheduler and controller manager answer their /healthz
    // with "ok", etcd's prober succeeds with "ok". Here they are the emulated components of this process.
    private static readonly string[] Components = ["scheduler", "controller-manager", "etcd-0"];

    /// <summary>The verb a request is, as discovery names it (for the resource itself, not a subresource).</summary>
    private static string VerbOf(HttpContext context, ResourceRoute route, bool isWatch) => context.Request.Method switch
    {
        "GET" when isWatch => "watch",
        "GET" when route.Name is null => "list",
        "GET" => "get",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" when route.Name is null => "deletecollection",
        "DELETE" => "delete",
        _ => "",
    };

    private static Task MethodNotAllowed(HttpContext context) =>
        ApiResponses.WriteStatus(context, new ApiStatus(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));

    /// <summary>Serves a resource that is answered, not stored; false when the verb is not one it serves.</summary>
    private async Task<bool> Answer(HttpContext context, ResourceRoute route, string verb)
    {
        if (!route.Resource.Serves(verb) || route.Subresource is not null)
        {
            return false;
        }
        switch (route.Resource.Group, route.Resource.Resource)
        {
            case ("", "componentstatuses"):
                await ComponentStatuses(context, route).ConfigureAwait(false);
                return true;
            case ("", "bindings") when route.Name is null:
                await BindFromBody(context, route).ConfigureAwait(false);
                return true;
            case ("authentication.k8s.io" or "authorization.k8s.io", _) when route.Name is null:
                await Review(context, route).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// <c>GET /api/v1/componentstatuses[/NAME]</c>: the emulated scheduler, controller manager and store, each Healthy
    /// with the message <c>ok</c>, with the deprecation warning the API server sends (no Age column: 1.33's printer
    /// has none).
    /// </summary>
    private async Task ComponentStatuses(HttpContext context, ResourceRoute route)
    {
        ApiResponses.AddWarning(context, "v1 ComponentStatus is deprecated in v1.19+");
        var statuses = Components.Select(ComponentStatus).ToList();
        if (route.Name is { } name)
        {
            var found = statuses.FirstOrDefault(s => s["metadata"]!["name"]!.GetValue<string>() == name)
                ?? throw new ApiStatusException(new ApiStatus(404, "NotFound", $"componentstatus \"{name}\" not found", "", "componentstatus", name));
            await WriteAnswered(context, route, [found], single: true).ConfigureAwait(false);
            return;
        }
        if (Filter(context)?.Compile() is { } filter)
        {
            statuses = statuses.Where(s => filter(StoredObject.From(route.Resource.StoreType.Key, s))).ToList();
        }
        await WriteAnswered(context, route, statuses, single: false).ConfigureAwait(false);
    }

    private static JsonObject ComponentStatus(string name) => new()
    {
        ["kind"] = "ComponentStatus",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Healthy", ["status"] = "True", ["message"] = "ok" }),
    };

    /// <summary>Writes computed objects as one object, a list or a Table, as the client asked.</summary>
    private async Task WriteAnswered(HttpContext context, ResourceRoute route, IReadOnlyList<JsonObject> objects, bool single)
    {
        var items = objects.Select(o => StoredObject.From(route.Resource.StoreType.Key, o)).ToList();
        if (Table.Wants(context))
        {
            await Table.Write(context, route.Resource, items, null, system.EmulatedClock().UtcNow).ConfigureAwait(false);
            return;
        }
        if (single)
        {
            await ApiResponses.WriteJson(context, objects[0]).ConfigureAwait(false);
            return;
        }
        var list = new JsonArray();
        foreach (var obj in objects)
        {
            list.Add(obj.DeepClone());
        }
        await ApiResponses.WriteJson(context, new JsonObject
        {
            ["kind"] = route.Resource.Kind + "List",
            ["apiVersion"] = route.Resource.ApiVersion,
            ["metadata"] = new JsonObject(),
            ["items"] = list,
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>POST /api/v1/namespaces/NS/bindings</c>: binds the pod named by the Binding's <c>metadata.name</c> to
    /// <c>target.name</c>, as <c>pods/NAME/binding</c> does.
    /// </summary>
    private async Task BindFromBody(HttpContext context, ResourceRoute route)
    {
        var body = await ReadObject(context, route).ConfigureAwait(false);
        var pod = JsonTree.GetString(body, "metadata", "name") ?? "";
        var node = JsonTree.GetString(body, "target", "name") ?? "";
        var causes = new List<StatusCause>();
        if (pod.Length == 0)
        {
            causes.Add(new StatusCause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name"));
        }
        if (node.Length == 0)
        {
            causes.Add(new StatusCause("FieldValueRequired", "Required value", "target.name"));
        }
        if (JsonTree.GetString(body, "target", "kind") is { Length: > 0 } kind && kind != "Node")
        {
            causes.Add(new StatusCause("FieldValueNotSupported", $"Unsupported value: \"{kind}\": supported values: \"Node\", \"<empty>\"", "target.kind"));
        }
        if (causes.Count > 0)
        {
            throw new ApiStatusException(ApiStatus.Invalid("Binding", "", pod, causes));
        }
        if (!DryRun(context))
        {
            await Ask(new BindPod(route.Namespace!, pod, node, JsonTree.GetString(body, "metadata", "uid"))).ConfigureAwait(false);
        }
        var status = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 };
        context.Response.StatusCode = 201;
        await ApiResponses.WriteJson(context, status).ConfigureAwait(false);
    }

    /// <summary>
    /// A review (TokenReview, SelfSubjectReview, the access and rules reviews): decoded and validated like any body,
    /// answered from the request's user, returned with its status (201), never stored.
    /// </summary>
    private async Task Review(HttpContext context, ResourceRoute route)
    {
        var review = await ReadObject(context, route).ConfigureAwait(false);
        RejectUnknownFields(context, route, review);
        review["apiVersion"] = route.Resource.ApiVersion;
        review["kind"] = route.Resource.Kind;
        var metadata = (JsonObject)review["metadata"]!;
        if (metadata["creationTimestamp"] is null)
        {
            metadata["creationTimestamp"] = null;
        }
        var reviewObject = new KubeObject(review);
        var errors = new List<FieldError>();
        switch (route.Resource.Kind)
        {
            case "SubjectAccessReview":
                ReviewValidation.ValidateSubjectAccessReview(reviewObject, errors);
                break;
            case "SelfSubjectAccessReview":
                ReviewValidation.ValidateSelfSubjectAccessReview(reviewObject, errors);
                break;
            case "LocalSubjectAccessReview":
                ReviewValidation.ValidateLocalSubjectAccessReview(reviewObject, errors);
                break;
            case "TokenReview" when string.IsNullOrEmpty(JsonTree.GetString(review, "spec", "token")):
                throw new ApiStatusException(ApiStatus.BadRequest("token is required for TokenReview in authentication"));
        }
        if (errors.Count > 0)
        {
            var invalid = new InvalidObjectException(route.Resource.Group, route.Resource.Kind, reviewObject.Name ?? "", errors);
            throw new ApiStatusException(new ApiStatus(422, "Invalid", invalid.Message, route.Resource.Group, route.Resource.Kind, invalid.Name,
                errors.Select(e => new StatusCause(e.Reason, e.Message, e.Field)).ToArray()));
        }
        review["status"] = (route.Resource.Kind == "TokenReview" ? await ReviewServiceAccountToken(review).ConfigureAwait(false) : null)
            ?? Reviews.Answer(route.Resource.Kind, review, RequestUser.Of(context.Request),
                Reviews.NeedsPolicy(route.Resource.Kind) ? await new RbacPolicyReader(store, options.StoreTimeout).Read().ConfigureAwait(false) : RbacPolicy.Empty);
        context.Response.StatusCode = 201;
        await ApiResponses.WriteJson(context, review).ConfigureAwait(false);
    }
}
