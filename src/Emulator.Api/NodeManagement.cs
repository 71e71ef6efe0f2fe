using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.Api.Resources;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api;

/// <summary>
/// The emulator's own endpoint beside the Kubernetes API, under <c>/emulator/v1/nodes</c>: <c>GET</c> lists the
/// emulated nodes of the process and whether each runs; <c>POST /emulator/v1/nodes/NAME/stop|start</c> stops or starts
/// one (a stopped node stops heartbeating: the control plane sees a node failure). Used by <c>emulator node</c>.
/// </summary>
public sealed class NodeManagement(ApiServerOptions options)
{
    /// <summary>Serves a request below <c>/emulator/v1/nodes</c>.</summary>
    public async Task Handle(HttpContext context, IReadOnlyList<string> path)
    {
        if (options.Nodes is not { } nodes)
        {
            await ApiResponses.WriteStatus(context, new ApiStatus(404, "NotFound", "this process hosts no emulated nodes")).ConfigureAwait(false);
            return;
        }
        try
        {
            switch (context.Request.Method, path)
            {
                case ("GET", []):
                    var hosted = await nodes.Ask<HostedNodes>(new ListHostedNodes(), options.StoreTimeout).ConfigureAwait(false);
                    var items = new JsonArray(hosted.Nodes.Select(n => (JsonNode)new JsonObject { ["name"] = n.Name, ["running"] = n.Running }).ToArray());
                    await ApiResponses.WriteJson(context, new JsonObject { ["nodes"] = items }).ConfigureAwait(false);
                    return;
                case ("POST", [var name, var verb and ("stop" or "start")]):
                    object command = verb == "stop" ? new StopNode(name) : new StartNode(name);
                    var reply = await nodes.Ask<NodeCommandReply>(command, options.StoreTimeout).ConfigureAwait(false);
                    context.Response.StatusCode = reply.Success ? 200 : 404;
                    await ApiResponses.WriteJson(context, new JsonObject { ["success"] = reply.Success, ["message"] = reply.Message }).ConfigureAwait(false);
                    return;
                default:
                    await ApiResponses.WriteStatus(context, new ApiStatus(404, "NotFound", "the server could not find the requested resource")).ConfigureAwait(false);
                    return;
            }
        }
        catch (AskTimeoutException)
        {
            await ApiResponses.WriteStatus(context, new ApiStatus(504, "Timeout", "the node host did not answer in time")).ConfigureAwait(false);
        }
    }
}
