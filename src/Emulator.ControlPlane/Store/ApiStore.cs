using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Emulator.Runtime.Time;

namespace Emulator.ControlPlane.Store;

/// <summary>
/// The cluster's single source of truth (the emulator's etcd): a persistent actor holding every object. Each write is
/// one journal event and its sequence number is the object's <c>resourceVersion</c>. Writes are applied to the
/// in-memory state at once (so later commands see them: optimistic concurrency works back to back) and acknowledged,
/// and published to watchers, only once the event is durable: events go out with <c>PersistAsync</c>, so many writes
/// are in flight at once and the journal commits them in groups. A failed (or rejected) journal write stops the store
/// (Akka stops a persistent actor whose write failed: run it under a back-off supervisor); it then recovers exactly
/// what was acknowledged. Timestamps come from the emulated clock.
/// </summary>
public sealed partial class ApiStore : PersistentActor
{
    /// <summary>Namespaces that always exist.</summary>
    public static readonly IReadOnlyList<string> SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private static readonly ResourceType NamespaceType = ResourceTypes.Namespaces;

    private readonly Dictionary<string, Dictionary<(string Namespace, string Name), StoredObject>> _objects = new(StringComparer.Ordinal);
    private readonly IAdmission _admission;
    private readonly StoredObjectsView _admissionView;
    private readonly IActorRef _watchHub;
    private readonly int _snapshotEvery;
    private long _nextResourceVersion = 1;
    private long _eventsSinceSnapshot;
    // Changes applied to the state whose events are not durable yet: a snapshot waits until there are none.
    private int _writesInFlight;
    // Set by Commit: the reply waits for the journal (sent from the persist handler).
    private bool _awaitingDurability;
    // The correlation of the command being handled, for the reply sent once its event is durable.
    private object? _correlation;
    // Who asked for the command being handled (null outside a command, e.g. the system namespaces made on recovery).
    private IActorRef? _requester;
    // This instance of the store: a restart (a new instance, recovering the journal) shows as a new value.
    private readonly Guid _incarnation = Guid.NewGuid();
    // Commands that failed with an unexpected exception (answered 500) and journal events replayed at recovery.
    private long _commandFailures;
    private long _recoveredEvents;
    // Generated names and uids: random, or from a seed (a replayed chaos run must generate the same ones).
    private readonly int? _seed;
    private Random? _random;

    /// <summary>Creates the store.</summary>
    /// <param name="admission">Defaulting and validation.</param>
    /// <param name="watchHub">Receives every durable change.</param>
    /// <param name="snapshotEvery">Events between snapshots (keeps recovery fast).</param>
    /// <param name="seed">Seed of generated names and uids (null: random), for runs that must replay exactly.</param>
    public ApiStore(IAdmission admission, IActorRef watchHub, int snapshotEvery = 50_000, int? seed = null)
    {
        _admission = admission;
        _admissionView = new StoredObjectsView(_objects);
        _watchHub = watchHub;
        _snapshotEvery = snapshotEvery;
        _seed = seed;
    }

    /// <summary>
    /// The generator of names and uids, made at first use (after recovery): a seeded store that restarts continues from
    /// its journal's length, so it does not hand out the uids it gave before the restart again.
    /// </summary>
    private Random Random => _random ??= _seed is { } seed ? new Random(unchecked(seed * 1_000_003 + (int)LastSequenceNr)) : new Random();

    /// <summary>A new object's uid: a version-4 UUID, from the seeded generator when the store has one.</summary>
    private string NewUid()
    {
        if (_seed is null)
        {
            return Guid.NewGuid().ToString();
        }
        Span<byte> bytes = stackalloc byte[16];
        Random.NextBytes(bytes);
        // Version 4, RFC 4122 variant, as Guid.NewGuid makes them.
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    /// <inheritdoc />
    public override string PersistenceId => "api-store";

    /// <summary>
    /// Largest object stored, in bytes of its JSON: etcd's default <c>--max-request-bytes</c> (1.5 MiB), which bounds
    /// every object Kubernetes stores. (etcd counts the protobuf encoding, a little smaller than the JSON.)
    /// </summary>
    public const int MaxObjectBytes = 1536 * 1024;

    /// <summary>Number of objects held (for diagnostics).</summary>
    public int Count => _objects.Values.Sum(d => d.Count);

    /// <inheritdoc />
    protected override bool ReceiveRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: StoreSnapshot snapshot }:
                _objects.Clear();
                for (var i = 0; i < snapshot.Objects.Count; i++)
                {
                    Put(StoredObject.From(snapshot.Resources[i], snapshot.Objects[i]));
                }
                return true;
            case ObjectStored stored:
                _recoveredEvents++;
                Put(StoredObject.From(stored.Resource, stored.Json));
                return true;
            case ObjectRemoved removed:
                _recoveredEvents++;
                Remove(removed.Resource, removed.Namespace, removed.Name);
                return true;
            case RecoveryCompleted:
                _nextResourceVersion = LastSequenceNr + 1;
                // Before any command: the system namespaces always exist.
                CreateMissingSystemNamespaces();
                return true;
        }
        return false;
    }

    /// <inheritdoc />
    protected override bool ReceiveCommand(object message)
    {
        switch (message)
        {
            case CreateObject create:
                Reply(create, () => Create(create.Type, create.Object, create.DryRun, create.Ownership));
                return true;
            case UpdateObject update:
                Reply(update, () => Update(update.Type, update.Object, update.Scope, update.DryRun, update.Ownership));
                return true;
            case DeleteObject delete:
                Reply(delete, () => Delete(delete.Type, delete.Namespace, delete.Name, delete.Options));
                return true;
            case BindPod bind:
                Reply(bind, () => Bind(bind));
                return true;
            case GetObject get:
                Reply(get, () => Find(get.Type.Key, get.Namespace, get.Name) ?? throw new ApiStatusException(ApiStatus.NotFound(get.Type.Resource, get.Type.Group, get.Name)));
                return true;
            case ListObjects list:
                try
                {
                    Sender.Tell(List(list) with { Correlation = list.Correlation }, Self);
                }
                catch (Exception e)
                {
                    // A selector that fails (one that does not parse) fails that list, not the store: the list comes back
                    // empty and the failure is logged (a ListReply has no error to carry).
                    _commandFailures++;
                    Log.Error(e, "Store command {0} failed: {1}", Describe(list), e.Message);
                    Sender.Tell(new ListReply([], _nextResourceVersion - 1) { Correlation = list.Correlation }, Self);
                }
                return true;
            case GetStoreInfo:
                Sender.Tell(new StoreInfo(_incarnation, Count, _commandFailures, _recoveredEvents), Self);
                return true;
            case SaveSnapshotSuccess success:
                DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1, DateTime.MaxValue));
                return true;
            case SaveSnapshotFailure failure:
                Log.Warning("Store snapshot at {SequenceNr} failed: {Reason}", failure.Metadata.SequenceNr, failure.Cause.Message);
                return true;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                return true;
        }
        return false;
    }

    /// <inheritdoc />
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        // The change is applied but will never be durable: stop, as on a failed write, so that the store (restarted by
        // its supervisor) recovers exactly what the journal holds instead of serving, and snapshotting, a lost change.
        Context.Stop(Self);
    }

    /// <summary>
    /// Runs a command. A refusal (<see cref="ApiStatusException"/>) becomes an error reply; so does any other exception
    /// (an object no admission checked, a bug): a 500 InternalError to that request, logged with it, and never a restart
    /// of the store, which would recover the whole journal while every client waits. A command that fails changes
    /// nothing: state only changes in <see cref="Commit"/>, the last step of every command, and a resourceVersion
    /// taken before the failure is handed back (versions are journal sequence numbers: they must not skip).
    /// </summary>
    private void Reply(StoreCommand request, Func<StoredObject?> command)
    {
        _correlation = request.Correlation;
        _requester = Sender;
        _admissionView.Warnings.Clear();
        _admissionView.DryRun = request switch
        {
            CreateObject create => create.DryRun,
            UpdateObject update => update.DryRun,
            DeleteObject delete => delete.Options.DryRun,
            _ => false,
        };
        _admissionView.UserInfo = request.UserInfo;
        var nextResourceVersion = _nextResourceVersion;
        try
        {
            var result = command();
            if (result is not null && !_awaitingDurability)
            {
                Sender.Tell(new StoreReply(result, null) { Correlation = request.Correlation, Warnings = _admissionView.Warnings.ToArray() }, Self);
            }
        }
        catch (Exception e) when (!_awaitingDurability)
        {
            _nextResourceVersion = nextResourceVersion;
            var status = e is ApiStatusException refused ? refused.Status : InternalError(request, e);
            Sender.Tell(new StoreReply(null, status) { Correlation = request.Correlation, Warnings = _admissionView.Warnings.ToArray() }, Self);
        }
        catch (Exception e)
        {
            // Committed before it failed (cannot happen while Commit is the last step): the change stands and its
            // reply goes out once durable; only the log tells.
            _commandFailures++;
            Log.Error(e, "Store command {0} failed after its change was committed", Describe(request));
        }
        finally
        {
            _awaitingDurability = false;
            _correlation = null;
            _requester = null;
        }
    }

    /// <summary>
    /// Kubernetes' <c>NewInternalError</c>: 500, reason InternalError, <c>Internal error occurred: …</c>, the error as the
    /// single cause. Logged at error level with the request, as the API server logs a 500.
    /// </summary>
    private ApiStatus InternalError(StoreCommand request, Exception e)
    {
        _commandFailures++;
        Log.Error(e, "Store command {0} failed: {1}", Describe(request), e.Message);
        var (type, _, name) = Target(request);
        return new ApiStatus(500, "InternalError", $"Internal error occurred: {e.Message}", type?.Group, type?.Resource, name,
            [new StatusCause("", e.Message, "")]);
    }

    /// <summary>The type and object a command concerns (as far as it can be read without trusting the command).</summary>
    private static (ResourceType? Type, string? Namespace, string? Name) Target(StoreCommand request)
    {
        static string? Field(JsonObject obj, string field) => obj["metadata"] is JsonObject m && m[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return request switch
        {
            CreateObject c => (c.Type, Field(c.Object, "namespace"), Field(c.Object, "name") ?? Field(c.Object, "generateName")),
            UpdateObject u => (u.Type, Field(u.Object, "namespace"), Field(u.Object, "name")),
            DeleteObject d => (d.Type, d.Namespace, d.Name),
            BindPod b => (ResourceTypes.Pods, b.Namespace, b.Name),
            GetObject g => (g.Type, g.Namespace, g.Name),
            ListObjects l => (l.Type, l.Namespace, null),
            _ => (null, null, null),
        };
    }

    /// <summary><c>create configmaps default/web</c>: a command for the log.</summary>
    private static string Describe(StoreCommand request)
    {
        var verb = request switch
        {
            CreateObject => "create",
            UpdateObject { Scope: UpdateScope.Status } => "update status of",
            UpdateObject => "update",
            DeleteObject => "delete",
            BindPod => "bind",
            GetObject => "get",
            ListObjects => "list",
            _ => request.GetType().Name,
        };
        var (type, ns, name) = Target(request);
        return $"{verb} {type?.Key ?? "?"} {(ns is null ? "" : ns + "/")}{name ?? ""}".TrimEnd();
    }

    private ListReply List(ListObjects list)
    {
        var items = new List<StoredObject>();
        var selected = list.Selector?.Compile();
        if (_objects.TryGetValue(list.Type.Key, out var all))
        {
            foreach (var obj in all.Values)
            {
                if ((list.Namespace is null || obj.Namespace == list.Namespace) && (selected is null || selected(obj)))
                {
                    items.Add(obj);
                }
            }
        }
        // Kubernetes lists are ordered by namespace, then name.
        items.Sort(static (a, b) =>
        {
            var byNamespace = string.CompareOrdinal(a.Namespace, b.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Name, b.Name);
        });
        if (list.After is { } after)
        {
            var start = items.FindIndex(o => Compare(o.Namespace ?? "", o.Name, after.Namespace, after.Name) > 0);
            items.RemoveRange(0, start < 0 ? items.Count : start);
        }
        var remaining = 0;
        if (list.Limit > 0 && items.Count > list.Limit)
        {
            remaining = items.Count - list.Limit;
            items.RemoveRange(list.Limit, remaining);
        }
        return new ListReply(items, _nextResourceVersion - 1, remaining);
    }

    private static int Compare(string ns1, string name1, string ns2, string name2)
    {
        var byNamespace = string.CompareOrdinal(ns1, ns2);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(name1, name2);
    }

    /// <summary>
    /// What admission sees of the store: the objects held, read-only (a snapshot per call, as a lister's cache), and the
    /// status writes admission asks to make along with the object it admits.
    /// </summary>
    private sealed class StoredObjectsView(Dictionary<string, Dictionary<(string Namespace, string Name), StoredObject>> objects) : IAdmissionContext
    {
        /// <summary>The status writes of the command being admitted, in the order admission asked for them.</summary>
        public List<(ResourceType Type, JsonObject Object)> WritesAlong { get; } = [];

        public IEnumerable<StoredObject> List(ResourceType type) =>
            objects.TryGetValue(type.Key, out var all) ? all.Values.ToArray() : [];

        public StoredObject? Find(ResourceType type, string? ns, string name) =>
            objects.TryGetValue(type.Key, out var all) && all.TryGetValue((type.Namespaced ? ns ?? "" : "", name), out var found) ? found : null;

        public void UpdateStatusAlong(ResourceType type, JsonObject obj) => WritesAlong.Add((type, obj));

        /// <summary>The warnings admission gave the command being run, for its reply.</summary>
        public List<string> Warnings { get; } = [];

        /// <summary>Whether the command being run is a dry run.</summary>
        public bool DryRun { get; set; }

        /// <summary>The user of the command being run, when an API request sent it.</summary>
        public JsonObject? UserInfo { get; set; }

        public void Warn(string text) => Warnings.Add(text);
    }

    private StoredObject? Find(string resource, string? ns, string name) =>
        _objects.TryGetValue(resource, out var all) && all.TryGetValue((ns ?? "", name), out var found) ? found : null;

    private void Put(StoredObject obj)
    {
        if (!_objects.TryGetValue(obj.Resource, out var all))
        {
            _objects[obj.Resource] = all = [];
        }
        all[(obj.Namespace ?? "", obj.Name)] = obj;
    }

    private void Remove(string resource, string? ns, string name)
    {
        if (_objects.TryGetValue(resource, out var all))
        {
            all.Remove((ns ?? "", name));
        }
    }

    /// <summary>
    /// Makes a change durable: applies it now, then persists; the requester gets its reply (unless
    /// <paramref name="reply"/> is false: a write made along with the command's own) and watchers the event once it is
    /// stored.
    /// </summary>
    private void Commit(StoredObject obj, WatchEventType type, bool removed, bool reply = true)
    {
        // Only a command's sender gets a reply; changes the store makes of its own accord (and commands it sent itself) have none.
        var requester = reply && _requester is { } sender && !sender.Equals(Self) ? sender : ActorRefs.Nobody;
        var correlation = _correlation;
        var warnings = _admissionView.Warnings.ToArray();
        var previous = Find(obj.Resource, obj.Namespace, obj.Name);
        if (removed)
        {
            // Everything that can fail comes before the state changes.
            var json = obj.ToJsonObject();
            json["metadata"]!["resourceVersion"] = NextResourceVersion().ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Read leniently: an object stored before stricter checks must still be removable.
            var final = StoredObject.From(obj.Resource, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(json));
            // A removal is a store event of its own: the DELETED object carries that event's resourceVersion.
            Remove(obj.Resource, obj.Namespace, obj.Name);
            PersistAsync(new ObjectRemoved(obj.Resource, obj.Namespace, obj.Name), _ => Published(requester, correlation, new WatchEvent(type, final, previous), warnings));
        }
        else
        {
            if (obj.Json.Length > MaxObjectBytes)
            {
                // The write never becomes an event: its resourceVersion (the last one handed out) goes back, keeping
                // resourceVersions equal to journal sequence numbers, with no hole a watch hub would take for a loss.
                _nextResourceVersion--;
                // etcd refuses a request over --max-request-bytes (1.5 MiB) and the API server passes its error on as a
                // plain 500 with no reason (kubernetes/kubernetes#74600, #112152).
                throw new ApiStatusException(new ApiStatus(500, "", "etcdserver: request is too large"));
            }
            Put(obj);
            PersistAsync(new ObjectStored(obj.Resource, obj.Json), _ => Published(requester, correlation, new WatchEvent(type, obj, previous), warnings));
        }
        _writesInFlight++;
        _awaitingDurability = true;
    }

    private void Published(IActorRef requester, object? correlation, WatchEvent change, IReadOnlyList<string> warnings)
    {
        var obj = change.Object;
        if (!requester.IsNobody())
        {
            requester.Tell(new StoreReply(obj, null) { Correlation = correlation, Warnings = warnings }, Self);
        }
        _watchHub.Tell(change, Self);
        _writesInFlight--;
        // The state holds every applied change, durable or not, while a snapshot is filed under the last durable event:
        // taken with writes in flight it would keep changes whose write may still fail (and reuse their versions).
        if (++_eventsSinceSnapshot >= _snapshotEvery && _writesInFlight == 0)
        {
            _eventsSinceSnapshot = 0;
            var all = _objects.Values.SelectMany(d => d.Values).ToArray();
            SaveSnapshot(new StoreSnapshot(all.Select(o => o.Resource).ToArray(), all.Select(o => o.Json).ToArray()));
        }
    }

    private long NextResourceVersion() => _nextResourceVersion++;

    /// <summary>The emulated time (virtual in tests, scaled with <c>--time-scale</c>).</summary>
    private DateTimeOffset Now => Context.System.EmulatedClock().UtcNow;

    private void CreateMissingSystemNamespaces()
    {
        foreach (var name in SystemNamespaces)
        {
            if (Find(NamespaceType.Key, null, name) is null)
            {
                var ns = new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Namespace",
                    ["metadata"] = new JsonObject { ["name"] = name },
                };
                Create(NamespaceType, ns, dryRun: false);
            }
        }
        _awaitingDurability = false;
    }
}
