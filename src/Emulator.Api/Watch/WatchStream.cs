using System.Buffers;
using System.Globalization;
using System.Text.Json;
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

    // About how much one write to the client carries when events are waiting.
    private const int BatchBytes = 64 * 1024;

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
                // The events waiting when the client can take more go out together, in one write and one flush: the
                // initial ADDED of ten thousand objects is a few hundred writes, not ten thousand.
                var batch = new ArrayBufferWriter<byte>();
                using var writer = new Utf8JsonWriter(batch);
                var expired = false;
                while (!expired && await channel.Reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false))
                {
                    while (!expired && batch.WrittenCount < BatchBytes && channel.Reader.TryRead(out var item))
                    {
                        if (!WriteEvent(writer, item, route, system, asTable))
                        {
                            continue;
                        }
                        expired = item is WatchExpired;
                        writer.Flush();
                        writer.Reset();
                        batch.Write("\n"u8);
                    }
                    if (batch.WrittenCount > 0)
                    {
                        await context.Response.Body.WriteAsync(batch.WrittenMemory, deadline.Token).ConfigureAwait(false);
                        await context.Response.Body.FlushAsync(deadline.Token).ConfigureAwait(false);
                        batch.Clear();
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

    /// <summary>
    /// Writes one watch event, <c>{"type":...,"object":...}</c>: a change's object as stored (or as a Table), an expired
    /// watch's Status. False for anything else the relay passed on, which is not sent.
    /// </summary>
    private static bool WriteEvent(Utf8JsonWriter writer, object item, ResourceRoute route, ActorSystem system, bool asTable)
    {
        if (item is not (WatchEvent or WatchExpired))
        {
            return false;
        }
        writer.WriteStartObject();
        writer.WriteString("type", item is WatchEvent change ? change.Type.ToString().ToUpper(CultureInfo.InvariantCulture) : "ERROR");
        writer.WritePropertyName("object");
        switch (item)
        {
            case WatchEvent e when asTable:
                Table.Write(writer, route.Resource, [e.Object], e.ResourceVersion, system.EmulatedClock().UtcNow);
                break;
            case WatchEvent e:
                writer.WriteRawValue(route.Resource.JsonOf(e.Object), skipInputValidation: true);
                break;
            case WatchExpired gone:
                ApiResponses.StatusObject(gone.Status).WriteTo(writer);
                break;
        }
        writer.WriteEndObject();
        return true;
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
