using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.Views;
using Emulator.Runtime.Time;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Resources;

// The pod subresources served beside the object itself: log, eviction, binding.
public sealed partial class ResourceHandler
{
    private static readonly TimeSpan FollowPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// <c>pods/log</c>: the kubelet of the pod's node holds its containers' logs. A pod not bound yet has no log
    /// (the API server answers an empty body). <c>follow=true</c> keeps the stream open while the container runs.
    /// </summary>
    private async Task Log(HttpContext context, ResourceRoute route)
    {
        var pod = (await Ask(new GetObject(Type(route), route.Namespace, route.Name!)).ConfigureAwait(false)).ToJsonObject();
        var query = context.Request.Query;
        var container = query["container"].FirstOrDefault();
        var containers = pod["spec"]?["containers"] as JsonArray;
        var initContainers = pod["spec"]?["initContainers"] as JsonArray;
        bool Named(JsonArray? list, string name) => list?.Any(c => c?["name"]?.GetValue<string>() == name) == true;
        if (container is not null && !Named(containers, container) && !Named(initContainers, container))
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"container {container} is not valid for pod {route.Name}"));
        }
        if (container is null && containers is { Count: > 1 })
        {
            var names = string.Join(" ", containers.Select(c => c?["name"]?.GetValue<string>()));
            throw new ApiStatusException(ApiStatus.BadRequest($"a container name must be specified for pod {route.Name}, choose one of: [{names}]"));
        }
        var nodeName = pod["spec"]?["nodeName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(nodeName))
        {
            await ApiResponses.WriteText(context, "").ConfigureAwait(false);
            return;
        }
        if (options.Nodes is not { } nodes)
        {
            throw new ApiStatusException(new ApiStatus(503, "ServiceUnavailable", $"no kubelet for node \"{nodeName}\" is reachable from this API server"));
        }
        var follow = query["follow"].FirstOrDefault() == "true";
        int? tail = int.TryParse(query["tailLines"].FirstOrDefault(), out var t) && t >= 0 ? t : null;
        var request = new ReadContainerLog(nodeName, route.Namespace!, route.Name!, container,
            query["previous"].FirstOrDefault() == "true", tail, query["timestamps"].FirstOrDefault() == "true");
        var reply = await nodes.Ask<ContainerLogReply>(request, options.StoreTimeout).ConfigureAwait(false);
        if (reply.Error is { } error)
        {
            throw new ApiStatusException(error);
        }
        if (!follow || request.Previous)
        {
            await ApiResponses.WriteText(context, reply.Text ?? "").ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(reply.Text ?? "", Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        // Logs only grow while a run lasts: poll the kubelet and send the lines after those already sent (counted in
        // the whole run, whatever the tail), until the container ends.
        var sentLines = reply.TotalLines;
        var running = reply.Running;
        try
        {
            while (running && !context.RequestAborted.IsCancellationRequested)
            {
                await Task.Delay(FollowPoll, context.RequestAborted).ConfigureAwait(false);
                var next = await nodes.Ask<ContainerLogReply>(request with { TailLines = null }, options.StoreTimeout).ConfigureAwait(false);
                if (next.Error is not null)
                {
                    break;
                }
                if (next.TotalLines < sentLines)
                {
                    // A new run started: its log begins afresh.
                    sentLines = 0;
                }
                if (next.TotalLines > sentLines)
                {
                    await context.Response.WriteAsync(AfterLines(next.Text ?? "", sentLines), Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    sentLines = next.TotalLines;
                }
                running = next.Running;
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    /// <summary>The text after its first <paramref name="lines"/> lines.</summary>
    private static string AfterLines(string text, int lines)
    {
        var start = 0;
        for (var i = 0; i < lines && start < text.Length; i++)
        {
            var end = text.IndexOf('\n', start);
            start = end < 0 ? text.Length : end + 1;
        }
        return text[start..];
    }

    /// <summary>
    /// <c>pods/eviction</c> (policy/v1 Eviction), as the API server's eviction REST does: a pod that is finished,
    /// pending or already terminating is deleted at once; any other is guarded by the PodDisruptionBudget that covers
    /// it (<see cref="GuardByDisruptionBudget"/>: 429 while the budget allows no disruption, 500 when several cover
    /// it), and then marked and deleted with the eviction's delete options.
    /// </summary>
    private async Task Evict(HttpContext context, ResourceRoute route)
    {
        var body = await ReadRequestBody(context).ConfigureAwait(false) as JsonObject ?? [];
        EnsureDecodes(body, "Eviction", "v1", FieldSchema.Default.Find("Eviction")!);
        var deleteOptions = body["deleteOptions"] as JsonObject;
        var evictedName = body["metadata"]?["name"]?.GetValue<string>();
        // EvictionREST compares the names as they are: an Eviction without metadata.name does not match either.
        if (evictedName != route.Name)
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"name in URL does not match name in Eviction object"));
        }
        var dryRun = DryRun(context) || (deleteOptions?["dryRun"] as JsonArray)?.Any(d => d?.GetValue<string>() == "All") == true;
        var deletion = new DeleteOptions(
            deleteOptions?["gracePeriodSeconds"]?.GetValue<long>(),
            deleteOptions?["preconditions"]?["uid"]?.GetValue<string>(),
            deleteOptions?["preconditions"]?["resourceVersion"]?.GetValue<string>(),
            DryRun: dryRun);
        // A resourceVersion precondition of the client's own is never retried against a newer pod.
        var retryConflicts = deletion.PreconditionResourceVersion is null;

        KubeObject pod;
        for (var attempt = 1; ; attempt++)
        {
            pod = new KubeObject((await Ask(new GetObject(Type(route), route.Namespace, route.Name!)).ConfigureAwait(false)).ToJsonObject());
            if (!CanIgnoreDisruptionBudget(pod))
            {
                break;
            }
            // The pod has not disrupted anything yet (or already has): no budget to ask. A pending pod is deleted only
            // in the version read, so one that turned ready meanwhile is looked at again.
            var ignoring = ShouldPinPodVersion(pod) && retryConflicts ? deletion with { PreconditionResourceVersion = pod.ResourceVersion } : deletion;
            try
            {
                await MarkEvictedAndDelete(route, ignoring).ConfigureAwait(false);
                await WriteSuccess(context).ConfigureAwait(false);
                return;
            }
            catch (ApiStatusException e) when (e.Status.Reason == "Conflict" && retryConflicts && attempt < EvictionAttempts)
            {
            }
        }

        var (budget, pinned) = await GuardByDisruptionBudget(pod, dryRun).ConfigureAwait(false);
        // An unready pod evicted without spending the budget goes only in the version read: had it become ready
        // meanwhile, it would count again.
        var final = pinned && retryConflicts ? deletion with { PreconditionResourceVersion = pod.ResourceVersion } : deletion;
        try
        {
            await MarkEvictedAndDelete(route, final).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.Status.Reason == "Conflict" && pinned && retryConflicts)
        {
            throw new ApiStatusException(BudgetStillProcessing(budget!));
        }
        await WriteSuccess(context).ConfigureAwait(false);
    }

    /// <summary>
    /// The eviction's <c>addConditionAndDeletePod</c>: unless it is a dry run, a status update first gives the latest
    /// pod the <c>DisruptionTarget</c> condition (reason <c>EvictionByEvictionAPI</c>), so a Job's pod failure policy
    /// can tell an eviction from a failure of its own — refused with the API server's Conflict when the pod is not the
    /// one the preconditions name, retried when another write got in first. Then the delete, with a resourceVersion
    /// precondition moved to the version this update made.
    /// </summary>
    private async Task MarkEvictedAndDelete(ResourceRoute route, DeleteOptions deletion)
    {
        const int Attempts = 5;
        for (var attempt = 1; !deletion.DryRun; attempt++)
        {
            var pod = (await Ask(new GetObject(Type(route), route.Namespace, route.Name!)).ConfigureAwait(false)).ToJsonObject();
            var uid = pod["metadata"]?["uid"]?.GetValue<string>();
            var version = pod["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (deletion.PreconditionUid is { Length: > 0 } wantedUid && wantedUid != uid)
            {
                throw new ApiStatusException(PodPreconditionConflict(route.Name!,
                    $"the UID in the precondition ({wantedUid}) does not match the UID in record ({uid}). The object might have been deleted and then recreated"));
            }
            if (deletion.PreconditionResourceVersion is { Length: > 0 } wantedVersion && wantedVersion != version)
            {
                throw new ApiStatusException(PodPreconditionConflict(route.Name!,
                    $"the ResourceVersion in the precondition ({wantedVersion}) does not match the ResourceVersion in record ({version}). The object might have been modified"));
            }
            var status = pod["status"] as JsonObject ?? [];
            pod["status"] = status;
            if (!Conditions.Set(status, "DisruptionTarget", "True", "EvictionByEvictionAPI", "Eviction API: evicting", system.EmulatedClock().UtcNow))
            {
                break;
            }
            var reply = await store.Ask<StoreReply>(new UpdateObject(Type(route), pod, UpdateScope.Status), options.StoreTimeout).ConfigureAwait(false);
            if (reply.IsSuccess)
            {
                if (deletion.PreconditionResourceVersion is { Length: > 0 })
                {
                    deletion = deletion with { PreconditionResourceVersion = reply.Object!.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
                }
                break;
            }
            if (reply.Error is not { Reason: "Conflict" } || attempt == Attempts)
            {
                throw new ApiStatusException(reply.Error!);
            }
        }
        await Ask(new DeleteObject(Type(route), route.Namespace, route.Name!, deletion)).ConfigureAwait(false);
    }

    /// <summary><c>NewConflict(Resource: "Pod")</c>, as the eviction's precondition check words it.</summary>
    private static ApiStatus PodPreconditionConflict(string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on Pod \"{name}\": {why}", "", "Pod", name);

    /// <summary><c>pods/binding</c> (v1 Binding): assigns the pod to <c>target.name</c>, as a scheduler does.</summary>
    private async Task Bind(HttpContext context, ResourceRoute route)
    {
        var body = await ReadRequestBody(context).ConfigureAwait(false) as JsonObject ?? [];
        EnsureDecodes(body, "Binding", "v1", FieldSchema.Default.Find("Binding")!);
        var node = body["target"]?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(node))
        {
            throw new ApiStatusException(ApiStatus.Invalid("Binding", "", route.Name!, [new StatusCause("FieldValueRequired", "Required value", "target.name")]));
        }
        await Ask(new BindPod(route.Namespace!, route.Name!, node, body["metadata"]?["uid"]?.GetValue<string>())).ConfigureAwait(false);
        await WriteSuccess(context).ConfigureAwait(false);
    }

    private static async Task WriteSuccess(HttpContext context)
    {
        var status = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201 };
        context.Response.StatusCode = 201;
        await ApiResponses.WriteJson(context, status).ConfigureAwait(false);
    }
}
