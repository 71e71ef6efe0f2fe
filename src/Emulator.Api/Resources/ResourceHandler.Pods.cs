using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.Api.Streaming;
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
        // Every container of the pod has a log, ephemeral ones too: kubectl debug reads an ephemeral container's log when
        // it has already ended by the time kubectl would attach.
        var ephemeralContainers = pod["spec"]?["ephemeralContainers"] as JsonArray;
        bool Named(JsonArray? list, string name) => list?.Any(c => c?["name"]?.GetValue<string>() == name) == true;
        if (container is not null && !Named(containers, container) && !Named(initContainers, container) && !Named(ephemeralContainers, container))
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

    /// <summary>
    /// <c>pods/exec</c> and <c>pods/attach</c>: the API server's checks (the pod, the container, a node to run on), in
    /// its words, then the stream to the kubelet (<see cref="RemoteCommandStream"/>).
    /// </summary>
    private async Task RemoteCommand(HttpContext context, ResourceRoute route)
    {
        var pod = (await Ask(new GetObject(Type(route), route.Namespace, route.Name!)).ConfigureAwait(false)).ToJsonObject();
        var query = context.Request.Query;
        var container = ValidContainer(pod, route.Name!, query["container"].FirstOrDefault());
        var nodeName = pod["spec"]?["nodeName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(nodeName))
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"pod {route.Name} does not have a host assigned"));
        }
        if (options.Nodes is not { } nodes)
        {
            throw new ApiStatusException(new ApiStatus(503, "ServiceUnavailable", $"no kubelet for node \"{nodeName}\" is reachable from this API server"));
        }
        bool Flag(string name) => query[name].FirstOrDefault() is "true" or "1";
        var command = route.Subresource == "exec" ? query["command"].Where(c => c is not null).Select(c => c!).ToList() : [];
        if (route.Subresource == "exec" && command.Count == 0)
        {
            throw new ApiStatusException(ApiStatus.BadRequest("you must specify at least 1 command"));
        }
        if (!Flag("stdin") && !Flag("stdout") && !Flag("stderr"))
        {
            throw new ApiStatusException(ApiStatus.BadRequest("you must specify at least 1 of stdin, stdout, stderr"));
        }
        var request = new RemoteCommandRequest(nodeName, route.Namespace!, route.Name!, container, command, Flag("stdin"), Flag("stdout"), Flag("stderr"), Flag("tty"));
        await RemoteCommandStream.Serve(context, system, nodes, request, options.StoreTimeout).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>pods/portforward</c>: the pod must be bound to a node (the API server's check); the kubelet dials the ports
    /// (<see cref="PortForwardStream"/>).
    /// </summary>
    private async Task PortForward(HttpContext context, ResourceRoute route)
    {
        var pod = (await Ask(new GetObject(Type(route), route.Namespace, route.Name!)).ConfigureAwait(false)).ToJsonObject();
        var nodeName = pod["spec"]?["nodeName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(nodeName))
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"pod {route.Name} does not have a host assigned"));
        }
        if (options.Nodes is not { } nodes)
        {
            throw new ApiStatusException(new ApiStatus(503, "ServiceUnavailable", $"no kubelet for node \"{nodeName}\" is reachable from this API server"));
        }
        var uid = pod["metadata"]?["uid"]?.GetValue<string>() ?? "";
        await PortForwardStream.Serve(context, system, nodes, new PortForwardTarget(nodeName, route.Namespace!, route.Name!, uid)).ConfigureAwait(false);
    }

    /// <summary>
    /// The container a stream addresses (the API server's <c>validateContainer</c>): the one named, which must be one of
    /// the pod's containers, init containers or ephemeral containers, or the only container when none is named.
    /// </summary>
    private static string ValidContainer(JsonObject pod, string podName, string? container)
    {
        IEnumerable<string> Names(string list) => (pod["spec"]?[list] as JsonArray)?.Select(c => c?["name"]?.GetValue<string>()).OfType<string>() ?? [];
        var containers = Names("containers").ToList();
        if (string.IsNullOrEmpty(container))
        {
            switch (containers.Count)
            {
                case 1:
                    return containers[0];
                case 0:
                    throw new ApiStatusException(ApiStatus.BadRequest($"pod {podName} does not have a container"));
                default:
                    var message = $"a container name must be specified for pod {podName}, choose one of: [{string.Join(' ', containers)}]";
                    var init = Names("initContainers").ToList();
                    if (init.Count > 0)
                    {
                        message += $" or one of the init containers: [{string.Join(' ', init)}]";
                    }
                    throw new ApiStatusException(ApiStatus.BadRequest(message));
            }
        }
        if (!containers.Concat(Names("initContainers")).Concat(Names("ephemeralContainers")).Contains(container))
        {
            throw new ApiStatusException(ApiStatus.BadRequest($"container {container} is not valid for pod {podName}"));
        }
        return container;
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
