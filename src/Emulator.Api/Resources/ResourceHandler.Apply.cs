using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Decoding;
using Emulator.Kubernetes.ServerSideApply;
using Emulator.Runtime.Time;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

public sealed partial class ResourceHandler
{
    /// <summary>The longest field manager name the API server takes.</summary>
    private const int FieldManagerMaxLength = 128;

    private const string ApplyPatchType = "application/apply-patch+yaml";

    /// <summary>True for a server-side apply request (<c>application/apply-patch+yaml</c>).</summary>
    private static bool IsApply(HttpContext context) =>
        string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), ApplyPatchType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Who a write is recorded as in <c>metadata.managedFields</c>: the <c>fieldManager</c> parameter, else the
    /// program name of the user agent (<c>kubectl/v1.33.1 (linux/amd64) …</c> → <c>kubectl</c>), its printable
    /// characters up to 128 bytes, as the API server's <c>managerOrUserAgent</c>.
    /// </summary>
    private static FieldOwnership Ownership(HttpContext context, ResourceRoute route, string? subresource = null)
    {
        if (context.Request.Query["fieldManager"].FirstOrDefault() is { Length: > 0 } manager)
        {
            return new FieldOwnership(manager, subresource, route.Resource.ApiVersion);
        }
        var agent = context.Request.Headers.UserAgent.FirstOrDefault() ?? "";
        var program = new StringBuilder();
        foreach (var rune in agent.Split('/')[0].EnumerateRunes())
        {
            if (!IsPrintable(rune))
            {
                continue;
            }
            if (Encoding.UTF8.GetByteCount(program.ToString()) + rune.Utf8SequenceLength > FieldManagerMaxLength)
            {
                break;
            }
            program.Append(rune.ToString());
        }
        return new FieldOwnership(program.ToString(), subresource, route.Resource.ApiVersion);
    }

    /// <summary>Go's <c>unicode.IsPrint</c>: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    private static bool IsPrintable(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator => false,
        _ => true,
    };

    /// <summary>
    /// The API server's checks of a write's options (<c>ValidateCreateOptions</c>, <c>ValidateUpdateOptions</c>,
    /// <c>ValidatePatchOptions</c>): an apply needs a field manager, <c>force</c> is only for applies, a field manager
    /// has at most 128 bytes of printable characters. Refused with 422 <c>PatchOptions.meta.k8s.io "" is invalid</c>
    /// (or CreateOptions, UpdateOptions).
    /// </summary>
    private static void ValidateWriteOptions(HttpContext context, string optionsKind, bool apply)
    {
        var query = context.Request.Query;
        var causes = new List<StatusCause>();
        var manager = query["fieldManager"].FirstOrDefault() ?? "";
        if (optionsKind == "PatchOptions")
        {
            if (apply && manager.Length == 0)
            {
                causes.Add(new StatusCause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager"));
            }
            else if (!apply && query.ContainsKey("force"))
            {
                causes.Add(new StatusCause("FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force"));
            }
        }
        if (Encoding.UTF8.GetByteCount(manager) > FieldManagerMaxLength)
        {
            causes.Add(new StatusCause("FieldValueTooLong", $"Too long: may not be more than {FieldManagerMaxLength} bytes", "fieldManager"));
        }
        var position = 0;
        foreach (var rune in manager.EnumerateRunes())
        {
            if (!IsPrintable(rune))
            {
                var quoted = GoFormat.Quote(manager);
                causes.Add(new StatusCause("FieldValueInvalid",
                    $"Invalid value: {quoted}: invalid character U+{rune.Value:X4} (at position {position})", "fieldManager"));
            }
            position += rune.Utf8SequenceLength;
        }
        if (causes.Count > 0)
        {
            var message = $"{optionsKind}.meta.k8s.io \"\" is invalid: " + string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}"));
            throw new ApiStatusException(new ApiStatus(422, "Invalid", message, "meta.k8s.io", optionsKind, null, causes));
        }
    }

    /// <summary>
    /// Server-side apply (<c>PATCH</c> with <c>application/apply-patch+yaml</c>): creates the object when it does not
    /// exist (201), else merges the configuration into it, with the field manager's conflicts (409) unless
    /// <c>force=true</c>; retried on a concurrent write unless the configuration pins a resourceVersion.
    /// </summary>
    private async Task Apply(HttpContext context, ResourceRoute route, JsonNode body)
    {
        if (body is not JsonObject config)
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"error decoding YAML: json: cannot unmarshal {GoKind(body)} into Go value of type map[string]interface {{}}"));
        }
        var manager = context.Request.Query["fieldManager"].FirstOrDefault() ?? "";
        // Go's strconv.ParseBool, as the API server reads query parameters.
        var force = context.Request.Query["force"].FirstOrDefault() is "1" or "t" or "T" or "true" or "TRUE" or "True";
        var subresource = route.Subresource ?? "";
        if (subresource is not ("" or "status" or "scale"))
        {
            throw new ApiStatusException(new ApiStatus(404, "NotFound", "the server could not find the requested resource"));
        }
        var fieldManager = FieldManagerOf(route);
        var filter = subresource switch
        {
            "status" => FieldFilter.KeepingOnly(FieldPath.Fields("status")),
            "scale" => FieldFilter.KeepingOnly(FieldPath.Fields(ReplicasPath(route))),
            _ => route.Resource.HasStatus ? FieldFilter.Excluding(FieldPath.Fields("status")) : FieldFilter.None,
        };
        if (subresource == "scale")
        {
            config = ParentOfScale(route, config);
        }
        var metadata = config["metadata"] as JsonObject;
        if (metadata is null)
        {
            config["metadata"] = metadata = [];
        }
        var pinned = metadata["resourceVersion"] is not null;
        var dryRun = DryRun(context);
        for (var attempt = 0; ; attempt++)
        {
            var reply = await store.Ask<StoreReply>(new GetObject(Type(route), route.Namespace, route.Name!), options.StoreTimeout).ConfigureAwait(false);
            if (reply.Error is { Reason: not "NotFound" } getError)
            {
                throw new ApiStatusException(getError);
            }
            var live = reply.Object is { } current ? route.Resource.ObjectOf(current) : null;
            JsonObject applied;
            try
            {
                applied = fieldManager.Apply(live, config, manager, force, subresource, filter, ApiStore.Timestamp(system.EmulatedClock().UtcNow));
            }
            catch (ApplyConflictException conflict)
            {
                throw new ApiStatusException(new ApiStatus(409, "Conflict", conflict.Message,
                    Causes: conflict.Causes.Select(c => new StatusCause(c.Reason, c.Message, c.Field)).ToArray()));
            }
            catch (ApplyException refused)
            {
                throw new ApiStatusException(refused.StatusCode == 400 ? ApiStatus.BadRequest(refused.Message) : new ApiStatus(refused.StatusCode, "", refused.Message));
            }
            CheckApplied(route, applied);
            if (DecodingTarget(route) is { } target && subresource != "scale")
            {
                PatchApplier.EnsureDecodes(applied, config, ApplyPatchType, target.Kind, target.Version, target.Type);
            }
            var ownership = new FieldOwnership(manager, subresource.Length > 0 ? subresource : null, route.Resource.ApiVersion) { Applied = true };
            StoreReply written;
            if (live is null)
            {
                if (subresource.Length > 0)
                {
                    throw new ApiStatusException(ApiStatus.NotFound(route.Resource.Resource, route.Resource.Group, route.Name!));
                }
                written = await Write(new CreateObject(Type(route), Stored(route, applied), dryRun) { UserInfo = UserInfo(context), Ownership = ownership }, context).ConfigureAwait(false);
                if (written.Error is { Reason: "AlreadyExists" } && attempt < 5)
                {
                    // Created meanwhile: apply to what is there now.
                    continue;
                }
            }
            else
            {
                if (!pinned)
                {
                    applied["metadata"]!["resourceVersion"] = reply.Object!.ResourceVersion.ToString(CultureInfo.InvariantCulture);
                }
                var scope = subresource == "status" ? UpdateScope.Status : UpdateScope.Main;
                written = await Write(new UpdateObject(Type(route), Stored(route, applied), scope, dryRun) { UserInfo = UserInfo(context), Ownership = ownership }, context).ConfigureAwait(false);
                if (written.Error is { Reason: "Conflict" } && !pinned && attempt < 5)
                {
                    continue;
                }
            }
            AddWarnings(context, written);
            if (written.Error is { } error)
            {
                throw new ApiStatusException(error);
            }
            Served(route, written.Object!, dryRun);
            if (subresource == "scale")
            {
                await ApiResponses.WriteJson(context, Scale.From(route.Resource, written.Object!.ToJsonObject())).ConfigureAwait(false);
                return;
            }
            await ApiResponses.WriteRaw(context, route.Resource.JsonOf(written.Object!), live is null ? 201 : 200).ConfigureAwait(false);
            return;
        }
    }

    /// <summary>The field manager of the route's kind (a custom resource's from the CRD version it is served at).</summary>
    private static FieldManager FieldManagerOf(ResourceRoute route)
    {
        if (route.Resource.Definition is { } crd && route.Resource.CustomVersion is { } version)
        {
            return ManagedFieldsTracker.ForCustomResource(crd, version, route.Resource.ApiVersion);
        }
        if (KindOf(route) is { } kind && Kubernetes.Schema.FieldSchema.Default.Find(kind.SchemaType) is { } schema)
        {
            return new FieldManager(ApplyType.ForStruct(schema), route.Resource.ApiVersion, kind.Kind);
        }
        throw new ApiStatusException(new ApiStatus(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {PatchApplier.AcceptedTypes(route.Resource.Definition is not null)}"));
    }

    private static string[] ReplicasPath(ResourceRoute route) =>
        (route.Resource.CustomVersion?.Scale?.SpecReplicasPath ?? ".spec.replicas").TrimStart('.').Split('.');

    /// <summary>
    /// An apply to the scale subresource (an <c>autoscaling/v1</c> Scale) as the configuration of the object it scales:
    /// its replica count at the kind's replicas path.
    /// </summary>
    private static JsonObject ParentOfScale(ResourceRoute route, JsonObject scale)
    {
        if (JsonTree.AsString(scale["apiVersion"]) != "autoscaling/v1" || JsonTree.AsString(scale["kind"]) != "Scale")
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"invalid object type: {JsonTree.AsString(scale["apiVersion"])}, Kind={JsonTree.AsString(scale["kind"])}"));
        }
        var parent = new JsonObject
        {
            ["apiVersion"] = route.Resource.ApiVersion,
            ["kind"] = route.Resource.Kind,
            ["metadata"] = new JsonObject { ["name"] = route.Name },
        };
        if (route.Namespace is not null)
        {
            parent["metadata"]!["namespace"] = route.Namespace;
        }
        if (scale["spec"]?["replicas"] is { } replicas)
        {
            var path = ReplicasPath(route);
            var at = parent;
            foreach (var field in path[..^1])
            {
                at = JsonTree.Ensure(at, field);
            }
            at[path[^1]] = replicas.DeepClone();
        }
        return parent;
    }

    /// <summary>
    /// The API server's <c>checkName</c> on the applied object: its name is the URL's (a configuration creating an
    /// object must name it), its namespace, when set, the URL's.
    /// </summary>
    private static void CheckApplied(ResourceRoute route, JsonObject applied)
    {
        var metadata = applied["metadata"] as JsonObject ?? [];
        applied["metadata"] = metadata;
        var name = JsonTree.AsString(metadata["name"]) ?? "";
        if (name != route.Name)
        {
            throw NameMismatch(name, route.Name!);
        }
        if (route.Resource.Namespaced && route.Namespace is not null)
        {
            var ns = JsonTree.AsString(metadata["namespace"]);
            if (!string.IsNullOrEmpty(ns) && ns != route.Namespace)
            {
                throw new ApiStatusException(ApiStatus.BadRequest($"the namespace of the object ({ns}) does not match the namespace on the URL ({route.Namespace})"));
            }
            metadata["namespace"] = route.Namespace;
        }
    }

    private static string GoKind(JsonNode? node) => node switch
    {
        JsonArray => "array",
        null => "null",
        _ => node.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => "number",
            _ => "bool",
        },
    };
}
