using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Akka.Actor;
using Emulator.Api.Printing;
using Emulator.Api.Resources;
using Emulator.ControlPlane.Store;
using Emulator.Runtime.Time;
using Microsoft.AspNetCore.Http;

namespace Emulator.Api.Watch;

/// <summary>
/// A watch request: streams <c>{"type":...,"object":...}</c> lines. Without a resourceVersion (or with "0") it first
/// sends every current object as ADDED, as the API server does; with one it sends only newer changes, or a 410 Expired
/// status when that history is gone. The stream ends when the client goes away or <c>timeoutSeconds</c> passes.
/// </summary>
public static class WatchStream
{
    /// <summary>Changes a watch buffers for a client that reads slower than they come, before the watch is closed.</summary>
    public const int BufferedEvents = 10_000;

    /// <summary>Serves one watch.</summary>
    public static async Task Serve(HttpContext context, ActorSystem system, IActorRef store, IActorRef hub, ResourceRoute route, ObjectSelector? filter, bool asTable)
    {
        var query = context.Request.Query;
        var from = long.TryParse(query["resourceVersion"].FirstOrDefault(), out var rv) ? rv : 0;
        var timeout = int.TryParse(query["timeoutSeconds"].FirstOrDefault(), out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var type = route.Resource.StoreType;
        ListReply? initial = null;
        if (from == 0)
        {
            initial = await store.Ask<ListReply>(new ListObjects(type, route.Namespace, filter), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            from = initial.ResourceVersion;
        }
        // Bounded: a client that stops reading while changes keep coming would otherwise grow this buffer without end.
        // When it is full the watch ends, as the API server's cache closes a watcher that cannot keep up; the client
        // watches again from its last resourceVersion.
        var channel = Channel.CreateBounded<object>(new BoundedChannelOptions((initial?.Items.Count ?? 0) + BufferedEvents)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        foreach (var item in initial?.Items ?? [])
        {
            channel.Writer.TryWrite(new WatchEvent(WatchEventType.Added, item));
        }
        var relay = system.ActorOf(Props.Create(() => new WatchRelay(channel.Writer)));
        try
        {
            hub.Tell(new StartWatch(type.Key, route.Namespace, from, filter?.Compile(), relay), ActorRefs.NoSender);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            // Send the headers now: clients wait for them before reading events.
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            deadline.CancelAfter(timeout);
            try
            {
                await foreach (var item in channel.Reader.ReadAllAsync(deadline.Token).ConfigureAwait(false))
                {
                    var line = item switch
                    {
                        WatchEvent change => Line(change, route, system.EmulatedClock().UtcNow, asTable),
                        WatchExpired expired => new JsonObject { ["type"] = "ERROR", ["object"] = ApiResponses.StatusObject(expired.Status) },
                        _ => null,
                    };
                    if (line is null)
                    {
                        continue;
                    }
                    await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(line), deadline.Token).ConfigureAwait(false);
                    await context.Response.Body.WriteAsync("\n"u8.ToArray(), deadline.Token).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync(deadline.Token).ConfigureAwait(false);
                    if (item is WatchExpired)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Client gone or timeoutSeconds reached: the stream just ends.
            }
        }
        finally
        {
            hub.Tell(new StopWatch(relay), ActorRefs.NoSender);
            system.Stop(relay);
        }
    }

    private static JsonObject Line(WatchEvent change, ResourceRoute route, DateTimeOffset now, bool asTable)
    {
        JsonNode obj = asTable
            ? Table.For(route.Resource, [change.Object], change.ResourceVersion, now)
            : route.Resource.ObjectOf(change.Object);
        return new JsonObject
        {
            ["type"] = change.Type.ToString().ToUpper(CultureInfo.InvariantCulture),
            ["object"] = obj,
        };
    }

    /// <summary>Moves hub events into the HTTP request's channel.</summary>
    private sealed class WatchRelay(ChannelWriter<object> writer) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (!writer.TryWrite(message))
            {
                // Full: the client fell behind; end its watch (it resumes from its last resourceVersion).
                writer.TryComplete();
                Context.Stop(Self);
            }
        }

        protected override void PostStop() => writer.TryComplete();
    }
}
