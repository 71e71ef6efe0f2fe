using System.Globalization;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.Api.Admission;
using Emulator.Api.Discovery;
using Emulator.Api.Printing;
using Emulator.Api.Watch;
using Emulator.ControlPlane.CustomResources;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.CustomResources;
using Emulator.Kubernetes.Decoding;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Validation;
using Emulator.Runtime.Time;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

/// <summary>
/// Serves one resource request: reads become store queries, writes become store commands (the store is the only
/// writer), and answers are objects, lists, Tables, watch streams or <c>Status</c> errors.
/// </summary>
public sealed partial class ResourceHandler(ActorSystem system, IActorRef store, IActorRef watchHub, ApiResourceCatalog catalog, ApiServerOptions options,
    WebhookConfigurations? webhookConfigurations = null)
{
    private readonly AdmissionWebhooks _webhooks = new(store, options.StoreTimeout, webhookConfigurations);

    /// <summary>Serves the request addressed by <paramref name="route"/>.</summary>
    public async Task Handle(HttpContext context, ResourceRoute route)
    {
        try
        {
            var method = context.Request.Method;
            var query = context.Request.Query;
            var isWatch = query["watch"] is { Count: > 0 } w && (w[0] == "true" || w[0] == "1");
            if (route.Resource.CustomVersion?.DeprecationWarning is { } deprecation)
            {
                ApiResponses.AddWarning(context, deprecation);
            }
            // Only the verbs discovery lists are served (a review is create-only, a namespace has no deletecollection);
            // reviews, bindings and component statuses are answered without the store.
            var verb = VerbOf(context, route, isWatch);
            if (!route.Resource.Stored || (route.Subresource is null && !route.Resource.Serves(verb)))
            {
                if (route.Resource.Stored || !await Answer(context, route, verb).ConfigureAwait(false))
                {
                    await MethodNotAllowed(context).ConfigureAwait(false);
                }
                return;
            }
            if (route.Subresource is { } subresource && !Serves(route.Resource, subresource))
            {
                // The API server routes only the subresources it installed: anything else is not found, never a write
                // to the object itself.
                throw new ApiStatusException(new ApiStatus(404, "NotFound", "the server could not find the requested resource"));
            }
            switch (method)
            {
                case "GET" when route.Name is null && isWatch:
                    await WatchStream.Serve(context, system, store, watchHub, route, Filter(context), Table.Wants(context)).ConfigureAwait(false);
                    break;
                case "GET" when route.Name is null:
                    await List(context, route).ConfigureAwait(false);
                    break;
                case "GET" or "POST" when route.Subresource is "exec" or "attach" && route.Resource.Resource == "pods":
                    await RemoteCommand(context, route).ConfigureAwait(false);
                    break;
                case "GET" or "POST" when route.Subresource == "portforward" && route.Resource.Resource == "pods":
                    await PortForward(context, route).ConfigureAwait(false);
                    break;
                case "GET" when route.Subresource == "log":
                    await Log(context, route).ConfigureAwait(false);
                    break;
                case "GET":
                    await Get(context, route).ConfigureAwait(false);
                    break;
                case "POST" when route.Subresource == "eviction" && route.Resource.Resource == "pods":
                    await Evict(context, route).ConfigureAwait(false);
                    break;
                case "POST" when route.Subresource == "binding" && route.Resource.Resource == "pods":
                    await Bind(context, route).ConfigureAwait(false);
                    break;
                case "POST" when route.Subresource == "token" && route.Resource.Resource == "serviceaccounts":
                    await CreateToken(context, route).ConfigureAwait(false);
                    break;
                case "POST" when route.Name is null:
                    await Create(context, route).ConfigureAwait(false);
                    break;
                case "PUT" when route.Name is not null:
                    await Update(context, route).ConfigureAwait(false);
                    break;
                case "PATCH" when route.Name is not null:
                    await Patch(context, route).ConfigureAwait(false);
                    break;
                case "DELETE" when route.Name is not null:
                    await Delete(context, route).ConfigureAwait(false);
                    break;
                case "DELETE":
                    await DeleteCollection(context, route).ConfigureAwait(false);
                    break;
                default:
                    await ApiResponses.WriteStatus(context, new ApiStatus(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource")).ConfigureAwait(false);
                    break;
            }
        }
        catch (ApiStatusException e)
        {
            if (!context.Response.HasStarted)
            {
                await ApiResponses.WriteStatus(context, e.Status).ConfigureAwait(false);
            }
        }
        catch (AskTimeoutException)
        {
            if (!context.Response.HasStarted)
            {
                await ApiResponses.WriteStatus(context, new ApiStatus(504, "Timeout", "the store did not answer in time")).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // A bug in handling one request answers that request, as the API server's panic recovery does, and is logged.
            system.Log.Error(e, "{0} {1} failed", context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted)
            {
                await ApiResponses.WriteStatus(context, ApiStatus.Internal(e.Message)).ConfigureAwait(false);
            }
        }
    }

    private ResourceType Type(ResourceRoute route) => route.Resource.StoreType;

    private static readonly HashSet<string> PodSubresources = new(StringComparer.Ordinal) { "log", "eviction", "binding", "exec", "attach", "portforward", "ephemeralcontainers" };

    /// <summary>The subresources discovery lists for <paramref name="resource"/>.</summary>
    private static bool Serves(ApiResource resource, string subresource) => subresource switch
    {
        "status" => resource.HasStatus,
        "scale" => resource.HasScale,
        "token" => resource.Resource == "serviceaccounts" && resource.Group == "",
        "approval" => resource.Resource == "certificatesigningrequests" && resource.Group == "certificates.k8s.io",
        _ => resource.Resource == "pods" && resource.Group == "" && PodSubresources.Contains(subresource),
    };

    /// <summary>What a write through the route may change: the status, a pod's ephemeral containers, or the object.</summary>
    private static UpdateScope ScopeOf(ResourceRoute route) => route.Subresource switch
    {
        "status" => UpdateScope.Status,
        "ephemeralcontainers" when route.Resource.Resource == "pods" => UpdateScope.EphemeralContainers,
        _ => UpdateScope.Main,
    };

    private static bool DryRun(HttpContext context) => context.Request.Query["dryRun"] is { Count: > 0 } d && d[0] == "All";

    private static ObjectSelector? Filter(HttpContext context) =>
        ListFilter.Parse(context.Request.Query["labelSelector"].FirstOrDefault(), context.Request.Query["fieldSelector"].FirstOrDefault());

    /// <summary>The requesting user as admission sees it (<c>userInfo</c> of the AdmissionRequest).</summary>
    private static JsonObject UserInfo(HttpContext context) => Reviews.UserInfo(RequestUser.Of(context.Request));

    private async Task<StoredObject> Ask(object command)
    {
        var reply = await store.Ask<StoreReply>(command, options.StoreTimeout).ConfigureAwait(false);
        return reply.Error is { } error ? throw new ApiStatusException(error) : reply.Object!;
    }

    /// <summary>A write: its admission warnings become <c>Warning</c> headers, on success and refusal alike.</summary>
    private async Task<StoredObject> Ask(StoreCommand command, HttpContext context)
    {
        var reply = await Write(command, context).ConfigureAwait(false);
        AddWarnings(context, reply);
        return reply.Error is { } error ? throw new ApiStatusException(error) : reply.Object!;
    }

    /// <summary>A write through the admission webhooks (which may change its object or refuse it), then the store.</summary>
    private async Task<StoreReply> Write(StoreCommand command, HttpContext context)
    {
        var admitted = await _webhooks.Admit(command, context).ConfigureAwait(false);
        var reply = await store.Ask<StoreReply>(admitted, options.StoreTimeout).ConfigureAwait(false);
        await _webhooks.Written(admitted, reply).ConfigureAwait(false);
        return reply;
    }

    private static void AddWarnings(HttpContext context, StoreReply reply)
    {
        foreach (var warning in reply.Warnings)
        {
            ApiResponses.AddWarning(context, warning);
        }
    }

    private async Task Get(HttpContext context, ResourceRoute route)
    {
        var obj = await Ask(new GetObject(Type(route), route.Namespace, route.Name!)).ConfigureAwait(false);
        if (route.Subresource == "scale" && route.Resource.HasScale)
        {
            await ApiResponses.WriteJson(context, Scale.From(route.Resource, obj.ToJsonObject())).ConfigureAwait(false);
            return;
        }
        if (Table.Wants(context))
        {
            await Table.Write(context, route.Resource, [obj], obj.ResourceVersion, system.EmulatedClock().UtcNow).ConfigureAwait(false);
            return;
        }
        await ApiResponses.WriteRaw(context, route.Resource.JsonOf(obj)).ConfigureAwait(false);
    }

    private async Task List(HttpContext context, ResourceRoute route)
    {
        var limit = int.TryParse(context.Request.Query["limit"].FirstOrDefault(), out var l) && l > 0 ? l : 0;
        var after = ContinueToken.Parse(context.Request.Query["continue"].FirstOrDefault());
        var reply = await store.Ask<ListReply>(new ListObjects(Type(route), route.Namespace, Filter(context), limit, after), options.StoreTimeout).ConfigureAwait(false);
        // kubectl reads lists in pages of 500: a cut-short list carries a continue token naming its last item.
        var next = reply.HasMore && reply.Items.Count > 0 ? ContinueToken.For(reply.Items[^1]) : null;
        if (Table.Wants(context))
        {
            await Table.Write(context, route.Resource, reply.Items, reply.ResourceVersion, system.EmulatedClock().UtcNow, next, reply.RemainingItemCount).ConfigureAwait(false);
            return;
        }
        await ApiResponses.WriteList(context, route.Resource.ApiVersion, route.Resource.ListKind, reply.Items, reply.ResourceVersion, next, reply.RemainingItemCount, route.Resource.JsonOf).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a body as JSON: JSON and protobuf as <see cref="ApiResponses.ReadBody"/> does, and YAML
    /// (<c>application/yaml</c>), which the API server turns into JSON before decoding it the same way.
    /// </summary>
    private async Task<JsonNode> ReadRequestBody(HttpContext context)
    {
        var mediaType = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (context.Request.Method is "POST" or "PUT" && mediaType is { Length: > 0 }
            and not ("application/json" or "application/yaml" or "application/vnd.kubernetes.protobuf" or "*/*"))
        {
            throw new ApiStatusException(new ApiStatus(415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"));
        }
        if (mediaType is not ("application/yaml" or "application/apply-patch+yaml"))
        {
            return await ApiResponses.ReadBody(context, options.MaxRequestBytes).ConfigureAwait(false);
        }
        var bytes = await ApiResponses.ReadBytes(context, options.MaxRequestBytes).ConfigureAwait(false);
        try
        {
            return ManifestReader.ParseNode(System.Text.Encoding.UTF8.GetString(bytes))
                ?? throw new ApiStatusException(ApiStatus.BadRequest("the request body is empty"));
        }
        catch (ManifestParseException e)
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"error converting YAML to JSON: {e.Message}"));
        }
    }

    /// <summary>
    /// The Go type a body of this route decodes into: autoscaling/v1 Scale for the scale subresource, else the kind.
    /// </summary>
    private static (string Kind, string Version, TypeDefinition Type)? DecodingTarget(ResourceRoute route)
    {
        if (route.Subresource == "scale")
        {
            return ("Scale", "v1", FieldSchema.Default.Find("Scale")!);
        }
        return KindOf(route) is { } kind && FieldSchema.Default.Find(kind.SchemaType) is { } type ? (kind.Kind, kind.Version, type) : null;
    }

    /// <summary>
    /// Typed decoding at the edge: a body whose fields do not fit the kind's Go types (a string for a list of
    /// containers, a replica count beyond int32) is refused with the API server's 400 before anything reads it.
    /// </summary>
    private static void EnsureDecodes(JsonObject obj, string kind, string version, TypeDefinition type)
    {
        try
        {
            TypedDecoder.EnsureDecodes(obj, kind, version, type);
        }
        catch (TypedDecodingException e)
        {
            throw new ApiStatusException(ApiStatus.BadRequest(e.Message));
        }
    }

    private async Task<JsonObject> ReadObject(HttpContext context, ResourceRoute route)
    {
        var body = await ReadRequestBody(context).ConfigureAwait(false);
        if (body is not JsonObject obj)
        {
            throw new ApiStatusException(ApiStatus.BadRequest("the request body must be a JSON object"));
        }
        var target = DecodingTarget(route);
        if (target is { } t && TypedDecoder.FindTypeMetaError(obj) is not null)
        {
            EnsureDecodes(obj, t.Kind, t.Version, t.Type);
        }
        var kind = JsonTree.AsString(obj["kind"]);
        if (kind is not null && route.Subresource is null && kind != route.Resource.Kind)
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"the object kind {kind} does not match the resource {route.Resource.Resource}"));
        }
        if ((route.Resource.Definition is not null || route.Resource.Conversion is not null) && route.Subresource != "scale" && JsonTree.AsString(obj["apiVersion"]) is { Length: > 0 } apiVersion && apiVersion != route.Resource.ApiVersion)
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({route.Resource.ApiVersion})"));
        }
        if (target is { } decodeAs)
        {
            EnsureDecodes(obj, decodeAs.Kind, decodeAs.Version, decodeAs.Type);
        }
        var metadata = obj["metadata"] as JsonObject;
        if (metadata is null)
        {
            obj["metadata"] = metadata = [];
        }
        if (route.Resource.Namespaced && route.Namespace is not null)
        {
            var bodyNamespace = metadata["namespace"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != route.Namespace)
            {
                throw new ApiStatusException(ApiStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
            }
            metadata["namespace"] = route.Namespace;
        }
        if (route.Name is not null && route.Subresource is null)
        {
            var bodyName = metadata["name"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(bodyName) && bodyName != route.Name)
            {
                throw NameMismatch(bodyName, route.Name);
            }
            metadata["name"] = route.Name;
        }
        return obj;
    }

    private static ApiStatusException NameMismatch(string bodyName, string urlName) =>
        new(ApiStatus.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({urlName})"));

    private static KindInfo? KindOf(ResourceRoute route) => route.Resource.Conversion?.Kind ?? KindRegistry.Default.FindByResource(route.Resource.Group, route.Resource.Resource);

    /// <summary>A written object at the version the store keeps (a built-in kind served at another version is converted).</summary>
    private static JsonObject Stored(ResourceRoute route, JsonObject obj) => route.Resource.Conversion is { } conversion ? conversion.ToStored(obj) : obj;

    /// <summary>
    /// Applies <c>fieldValidation</c> (kubectl sends Strict): unknown fields are refused with the API server's
    /// "strict decoding error", or dropped, since Kubernetes never stores fields its types lack.
    /// </summary>
    private static void RejectUnknownFields(HttpContext context, ResourceRoute route, JsonObject obj)
    {
        if (route.Resource.CustomVersion is { } version)
        {
            RejectUnknownCustomFields(context, route, version, obj);
            return;
        }
        if (KindOf(route) is not { } kind)
        {
            return;
        }
        try
        {
            var mode = StrictFieldValidation.ParseMode(context.Request.Query["fieldValidation"].FirstOrDefault());
            // A field given twice kept its last value; Strict refuses it with the unknown fields, Warn warns.
            var duplicates = JsonBody.DuplicateFields(context).Select(p => $"duplicate field \"{p}\"").ToList();
            if (mode == FieldValidationMode.Strict && duplicates.Count > 0)
            {
                var unknown = FieldSchema.Default.Find(kind.SchemaType) is { } type ? UnknownFields.Find(obj, type) : [];
                throw new ApiStatusException(ApiStatus.BadRequest($"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: strict decoding error: "
                    + string.Join(", ", duplicates.Concat(unknown.Select(p => $"unknown field \"{p}\"")))));
            }
            var warnings = StrictFieldValidation.Apply(new KubeObject(obj), kind, mode);
            foreach (var warning in mode == FieldValidationMode.Warn ? duplicates.Concat(warnings) : warnings)
            {
                ApiResponses.AddWarning(context, warning);
            }
        }
        catch (UnknownFieldException e)
        {
            throw new ApiStatusException(ApiStatus.BadRequest(e.Message));
        }
        catch (ArgumentException e)
        {
            throw new ApiStatusException(ApiStatus.BadRequest(e.Message));
        }
    }

    /// <summary>
    /// <c>fieldValidation</c> for a custom object: the fields its schema would prune are its unknown fields, refused
    /// under Strict with the decoder's wording, warned about under Warn (the store prunes them either way).
    /// </summary>
    private static void RejectUnknownCustomFields(HttpContext context, ResourceRoute route, CustomResourceVersion version, JsonObject obj)
    {
        var mode = ParseFieldValidation(context);
        if (mode == FieldValidationMode.Ignore)
        {
            return;
        }
        var unknown = JsonBody.DuplicateFields(context).Select(p => $"duplicate field \"{p}\"")
            .Concat(version.Schema.PruneObject(obj.DeepClone().AsObject()).Select(p => $"unknown field \"{p}\"")).ToList();
        if (unknown.Count == 0)
        {
            return;
        }
        var kind = route.Resource.Kind;
        if (mode == FieldValidationMode.Strict)
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"{kind} in version \"{route.Resource.Version}\" cannot be handled as a {kind}: strict decoding error: {string.Join(", ", unknown)}"));
        }
        foreach (var warning in unknown)
        {
            ApiResponses.AddWarning(context, warning);
        }
    }

    private static FieldValidationMode ParseFieldValidation(HttpContext context)
    {
        try
        {
            return StrictFieldValidation.ParseMode(context.Request.Query["fieldValidation"].FirstOrDefault());
        }
        catch (ArgumentException e)
        {
            throw new ApiStatusException(ApiStatus.BadRequest(e.Message));
        }
    }

    /// <summary>A write to a CRD changes what this server serves at once (the watch brings the same change later).</summary>
    private void Served(ResourceRoute route, StoredObject written, bool dryRun)
    {
        if (!dryRun && route.Resource.StoreType.Key == CustomResourceTypes.Definitions.Key)
        {
            catalog.Apply(written);
        }
    }

    private async Task Create(HttpContext context, ResourceRoute route)
    {
        ValidateWriteOptions(context, "CreateOptions", apply: false);
        var obj = await ReadObject(context, route).ConfigureAwait(false);
        RejectUnknownFields(context, route, obj);
        if (route.Resource.Resource == "certificatesigningrequests" && route.Resource.Group == "certificates.k8s.io")
        {
            SetRequestor(obj, RequestUser.Of(context.Request));
        }
        var created = await Ask(new CreateObject(Type(route), Stored(route, obj), DryRun(context)) { UserInfo = UserInfo(context), Ownership = Ownership(context, route) }, context).ConfigureAwait(false);
        Served(route, created, DryRun(context));
        await ApiResponses.WriteRaw(context, route.Resource.JsonOf(created), 201).ConfigureAwait(false);
    }

    private async Task Update(HttpContext context, ResourceRoute route)
    {
        ValidateWriteOptions(context, "UpdateOptions", apply: false);
        var body = await ReadObject(context, route).ConfigureAwait(false);
        if (route.Subresource == "scale")
        {
            await UpdateScale(context, route, ScaleReplicas(body)).ConfigureAwait(false);
            return;
        }
        if (route.Subresource == "approval")
        {
            await UpdateApproval(context, route, body).ConfigureAwait(false);
            return;
        }
        body["metadata"]!["name"] = route.Name;
        if (route.Subresource is null)
        {
            RejectUnknownFields(context, route, body);
        }
        var scope = ScopeOf(route);
        var updated = await Ask(new UpdateObject(Type(route), Stored(route, body), scope, DryRun(context)) { UserInfo = UserInfo(context), Ownership = Ownership(context, route) }, context).ConfigureAwait(false);
        Served(route, updated, DryRun(context));
        await ApiResponses.WriteRaw(context, route.Resource.JsonOf(updated)).ConfigureAwait(false);
    }

    /// <summary><c>spec.replicas</c> of a Scale body that decoded (an int32, or absent).</summary>
    private static int? ScaleReplicas(JsonObject scale) => JsonTree.AsInt(scale["spec"]?["replicas"]) is { } replicas ? (int)replicas : null;

    private async Task UpdateScale(HttpContext context, ResourceRoute route, int? replicas)
    {
        if (!route.Resource.HasScale)
        {
            throw new ApiStatusException(new ApiStatus(404, "NotFound", $"the server could not find the requested resource"));
        }
        if (replicas is null or < 0)
        {
            throw new ApiStatusException(ApiStatus.Invalid("Scale", "autoscaling", route.Name!, [new StatusCause("FieldValueInvalid", $"Invalid value: {replicas?.ToString(CultureInfo.InvariantCulture) ?? "null"}: must be greater than or equal to 0", "spec.replicas")]));
        }
        var current = await Ask(new GetObject(Type(route), route.Namespace, route.Name!)).ConfigureAwait(false);
        var obj = current.ToJsonObject();
        Scale.SetReplicas(route.Resource, obj, replicas.Value);
        var updated = await Ask(new UpdateObject(Type(route), obj, UpdateScope.Main, DryRun(context)) { UserInfo = UserInfo(context), Ownership = Ownership(context, route, "scale") }).ConfigureAwait(false);
        await ApiResponses.WriteJson(context, Scale.From(route.Resource, updated.ToJsonObject())).ConfigureAwait(false);
    }

    private async Task Patch(HttpContext context, ResourceRoute route)
    {
        var apply = IsApply(context);
        ValidateWriteOptions(context, "PatchOptions", apply);
        var patch = await ReadRequestBody(context).ConfigureAwait(false);
        if (apply)
        {
            await Apply(context, route, patch).ConfigureAwait(false);
            return;
        }
        var contentType = context.Request.ContentType ?? "application/merge-patch+json";
        // The API server retries a patch on a conflicting concurrent write, unless the patch pins a resourceVersion.
        for (var attempt = 0; ; attempt++)
        {
            var current = await Ask(new GetObject(Type(route), route.Namespace, route.Name!)).ConfigureAwait(false);
            var original = route.Subresource == "scale" ? Scale.From(route.Resource, current.ToJsonObject()) : route.Resource.ObjectOf(current);
            var patched = PatchApplier.Apply(original, patch, contentType, route.Subresource == "scale" ? null : KindOf(route));
            if (DecodingTarget(route) is { } target)
            {
                PatchApplier.EnsureDecodes(patched, patch, contentType, target.Kind, target.Version, target.Type);
            }
            if (route.Subresource is null)
            {
                RejectUnknownFields(context, route, patched);
            }
            if (route.Subresource == "scale")
            {
                await UpdateScale(context, route, ScaleReplicas(patched)).ConfigureAwait(false);
                return;
            }
            if (route.Subresource == "approval")
            {
                // The approval strategy takes a patched CSR as it takes a PUT one: only the conditions change.
                await UpdateApproval(context, route, patched).ConfigureAwait(false);
                return;
            }
            // As the API server checks after patching: the patch may not rename the object (nor remove its metadata).
            if (patched["metadata"] is not JsonObject patchedMetadata || patchedMetadata["name"]?.GetValue<string>() != route.Name)
            {
                throw NameMismatch((patched["metadata"] as JsonObject)?["name"]?.GetValue<string>() ?? "", route.Name!);
            }
            // A patch that sets a resourceVersion (a merge patch carrying one, a JSON patch replacing it, as kubectl's
            // move to server-side apply does) makes it a precondition: a stale one is a conflict, never retried.
            var patchedVersion = JsonTree.AsString(patchedMetadata["resourceVersion"]);
            var pinned = patch is JsonObject p && p["metadata"] is JsonObject pm && pm["resourceVersion"] is not null
                || patchedVersion is { Length: > 0 } && patchedVersion != current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            if (!pinned)
            {
                patchedMetadata["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            }
            var scope = ScopeOf(route);
            var reply = await Write(new UpdateObject(Type(route), Stored(route, patched), scope, DryRun(context)) { UserInfo = UserInfo(context), Ownership = Ownership(context, route) }, context).ConfigureAwait(false);
            if (reply.Error is { Reason: "Conflict" } && !pinned && attempt < 5)
            {
                continue;
            }
            AddWarnings(context, reply);
            if (reply.Error is { } error)
            {
                throw new ApiStatusException(error);
            }
            Served(route, reply.Object!, DryRun(context));
            await ApiResponses.WriteRaw(context, route.Resource.JsonOf(reply.Object!)).ConfigureAwait(false);
            return;
        }
    }

    private async Task<DeleteOptions> ReadDeleteOptions(HttpContext context)
    {
        var query = context.Request.Query;
        long? grace = long.TryParse(query["gracePeriodSeconds"].FirstOrDefault(), out var g) ? g : null;
        var policy = query["propagationPolicy"].FirstOrDefault();
        string? uid = null;
        string? rv = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            if (await ReadRequestBody(context).ConfigureAwait(false) is JsonObject body)
            {
                EnsureDecodes(body, "DeleteOptions", "v1", FieldSchema.Default.Find("DeleteOptions")!);
                // Decoded as int64 already; a YAML body may carry it as a float (1.5e3).
                grace = body["gracePeriodSeconds"] is JsonValue g2 ? (long)decimal.Parse(GoFormat.NumberText(g2), NumberStyles.Float, CultureInfo.InvariantCulture) : grace;
                policy = body["propagationPolicy"]?.GetValue<string>() ?? policy;
                uid = body["preconditions"]?["uid"]?.GetValue<string>();
                rv = body["preconditions"]?["resourceVersion"]?.GetValue<string>();
            }
        }
        if (policy is not null and not ("Background" or "Foreground" or "Orphan"))
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\""));
        }
        return new DeleteOptions(grace, uid, rv, policy, DryRun(context));
    }

    private async Task Delete(HttpContext context, ResourceRoute route)
    {
        var deleteOptions = await ReadDeleteOptions(context).ConfigureAwait(false);
        var result = await Ask(new DeleteObject(Type(route), route.Namespace, route.Name!, deleteOptions) { UserInfo = UserInfo(context) }, context).ConfigureAwait(false);
        Served(route, result, deleteOptions.DryRun);
        await ApiResponses.WriteRaw(context, route.Resource.JsonOf(result)).ConfigureAwait(false);
    }

    private async Task DeleteCollection(HttpContext context, ResourceRoute route)
    {
        var deleteOptions = await ReadDeleteOptions(context).ConfigureAwait(false);
        var list = await store.Ask<ListReply>(new ListObjects(Type(route), route.Namespace, Filter(context)), options.StoreTimeout).ConfigureAwait(false);
        var deleted = new List<StoredObject>();
        foreach (var item in list.Items)
        {
            var reply = await Write(new DeleteObject(Type(route), item.Namespace, item.Name, deleteOptions) { UserInfo = UserInfo(context) }, context).ConfigureAwait(false);
            if (reply.Object is { } obj)
            {
                deleted.Add(obj);
            }
        }
        await ApiResponses.WriteList(context, route.Resource.ApiVersion, route.Resource.ListKind, deleted, list.ResourceVersion, jsonOf: route.Resource.JsonOf).ConfigureAwait(false);
    }
}
