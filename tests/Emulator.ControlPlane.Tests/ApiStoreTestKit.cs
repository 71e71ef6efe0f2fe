using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.TestKit;

namespace Emulator.ControlPlane.Tests;

/// <summary>
/// A deterministic system on virtual time with an API store and watch hub, on Akka's in-memory journal (it belongs to
/// the system, not to the store: a restarted store recovers from it).
/// </summary>
public abstract class ApiStoreTestKit : EmulatorTestKit
{
    protected static readonly ResourceType Pods = new("", "v1", "pods", "Pod", Namespaced: true);
    protected static readonly ResourceType ConfigMaps = new("", "v1", "configmaps", "ConfigMap", Namespaced: true, HasStatus: false);
    protected static readonly ResourceType Deployments = new("apps", "v1", "deployments", "Deployment", Namespaced: true);
    protected static readonly ResourceType Namespaces = new("", "v1", "namespaces", "Namespace", Namespaced: false);

    protected ApiStoreTestKit(int snapshotEvery = 50_000, IAdmission? admission = null)
    {
        SnapshotEvery = snapshotEvery;
        Admission = admission ?? AdmitAll.Instance;
        StoreSerialization.Register(Manifests);
        Hub = Sys.ActorOf(Props.Create(() => new WatchHub(100)), "watch-hub");
        Store = StartStore();
    }

    protected int SnapshotEvery { get; }

    protected IAdmission Admission { get; }

    protected IActorRef Hub { get; }

    protected IActorRef Store { get; set; }

    protected IActorRef StartStore(string name = "api-store") =>
        Sys.ActorOf(Props.Create(() => new ApiStore(Admission, Hub, SnapshotEvery)), name);

    protected StoreReply Send(object command) => Request<StoreReply>(command);

    /// <summary>
    /// Sends a command to the store once the actors have settled and waits for its reply. The actors run on their own
    /// thread: a test step taken while the controllers are still reacting to the previous one would race them (say, a
    /// read-modify-write conflicting with a controller's write), so every step starts from a settled system.
    /// </summary>
    protected T Request<T>(object command)
    {
        Settle();
        Store.Tell(command, TestActor);
        return ExpectMsg<T>();
    }

    protected StoredObject Ok(object command)
    {
        var reply = Send(command);
        Assert.True(reply.IsSuccess, reply.Error?.Message);
        return reply.Object!;
    }

    protected static JsonObject Object(string kind, string? ns, string name, JsonObject? spec = null, JsonObject? labels = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }
        if (labels is not null)
        {
            metadata["labels"] = labels;
        }
        var obj = new JsonObject { ["kind"] = kind, ["metadata"] = metadata };
        if (spec is not null)
        {
            obj["spec"] = spec;
        }
        return obj;
    }

    protected static JsonObject Pod(string name, string ns = "default", JsonObject? labels = null, string image = "nginx") =>
        Object("Pod", ns, name, new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image }) }, labels);
}
