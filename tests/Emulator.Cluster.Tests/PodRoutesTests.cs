using System.Text;
using Akka.Actor;
using Emulator.Node.Containers.Network;
using Emulator.Node.Network;
using Emulator.Runtime;

namespace Emulator.Cluster.Tests;

/// <summary>
/// Pod routes between two members over real remoting (<see cref="PodRoutes"/>): what listens at one member's pod
/// addresses reaches the other — the whole table when it comes up, then each change — and answers there as it does at
/// home; a member that leaves takes its routes with it.
/// </summary>
public sealed class PodRoutesTests
{
    private static readonly HttpRequest Get = new("GET", "/", "HTTP/1.1", [KeyValuePair.Create("Host", "web")], []);

    [Fact]
    public async Task A_pod_listening_in_one_member_is_reached_from_another_until_it_stops_or_its_member_leaves()
    {
        var first = Member(ClusterRoles.ControlPlane, ClusterRoles.Worker);
        var second = Member(ClusterRoles.Worker);
        try
        {
            var home = ClusterNetwork.Get(first);
            var away = ClusterNetwork.Get(second);
            first.ActorOf(Props.Create(() => new PodRoutes()), PodRoutes.Name);
            second.ActorOf(Props.Create(() => new PodRoutes()), PodRoutes.Name);
            // Listening before the second member exists: it learns it from the whole table it gets when it comes up.
            var early = Listening("10.244.1.5", "web-1", "w1-node-1", new EmulatedServerDescription(ServerFlavor.HttpEcho, [5678], "web-1", "10.244.1.5", "hello from web-1", "1.0"));
            home.SetListeners("10.244.1.5", early);

            var firstCluster = Akka.Cluster.Cluster.Get(first);
            firstCluster.Join(firstCluster.SelfAddress);
            var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Akka.Cluster.Cluster.Get(second).RegisterOnMemberUp(() => joined.TrySetResult());
            Akka.Cluster.Cluster.Get(second).Join(firstCluster.SelfAddress);
            await joined.Task.WaitAsync(TimeSpan.FromSeconds(30));

            var routed = await Eventually(() => away.ListenersAt("10.244.1.5"), l => l is not null, "the early pod's route");
            Assert.Null(away.LocalListenersAt("10.244.1.5"));
            Assert.Equal(("default", "web-1", "w1-node-1"), (routed!.Namespace, routed.Name, routed.NodeName));
            Assert.Equal(Body(early.Servers[5678].Answer(Get, "10.244.2.7", 5678)), Body(routed.Servers[5678].Answer(Get, "10.244.2.7", 5678)));
            Assert.Equal("hello from web-1\n", Body(routed.Servers[5678].Answer(Get, "10.244.2.7", 5678)));

            // A pod that starts later, with two containers listening (a port both claim goes to the first); and one in
            // the other direction.
            var late = Listening("10.244.1.6", "web-2", "w1-node-2",
                new EmulatedServerDescription(ServerFlavor.Nginx, [80, 8080], "web-2", "10.244.1.6", "", "1.27.3"),
                new EmulatedServerDescription(ServerFlavor.EchoServer, [8080, 9090], "web-2", "10.244.1.6", "", "latest"));
            home.SetListeners("10.244.1.6", late);
            away.SetListeners("10.244.2.9", Listening("10.244.2.9", "db-0", "w2-node-1", new EmulatedServerDescription(ServerFlavor.Generic, [5432], "db-0", "10.244.2.9", "", "16")));
            var second2 = await Eventually(() => away.ListenersAt("10.244.1.6"), l => l is not null, "the late pod's route");
            Assert.Equal([80, 8080, 9090], second2!.Servers.Keys.Order());
            Assert.Equal(ServerFlavor.Nginx, second2.Servers[8080].Flavor);
            Assert.Equal(ServerFlavor.EchoServer, second2.Servers[9090].Flavor);
            Assert.Contains("<title>Welcome to nginx!</title>", Body(second2.Servers[80].Answer(Get, "10.244.2.7", 80)));
            await Eventually(() => home.ListenersAt("10.244.2.9"), l => l is not null, "the route the other way");

            // The early pod stops: its route goes.
            home.RemoveListeners("10.244.1.5", early);
            await Eventually(() => away.ListenersAt("10.244.1.5"), l => l is null, "the stopped pod's route gone");
            Assert.NotNull(away.ListenersAt("10.244.1.6"));

            // The first member leaves: the second forgets every route it announced, and keeps its own.
            await CoordinatedShutdown.Get(first).Run(CoordinatedShutdown.ClrExitReason.Instance);
            await Eventually(() => away.ListenersAt("10.244.1.6"), l => l is null, "the departed member's routes gone");
            Assert.NotNull(away.ListenersAt("10.244.2.9"));
        }
        finally
        {
            await Task.WhenAll(CoordinatedShutdown.Get(second).Run(CoordinatedShutdown.ClrExitReason.Instance), CoordinatedShutdown.Get(first).Run(CoordinatedShutdown.ClrExitReason.Instance));
        }
    }

    private static ActorSystem Member(params string[] roles) =>
        ActorSystem.Create(ClusterMembership.SystemName, new ClusterMembership(roles, "127.0.0.1", 0).ToConfig(1.0).WithFallback(RuntimeConfig.Defaults));

    private static PodListeners Listening(string ip, string name, string node, params EmulatedServerDescription[] servers) =>
        PodListeners.Of("default", name, node, servers.Select(EmulatedServer.Of));

    private static string Body(HttpResponse response) => Encoding.UTF8.GetString(response.Body);

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> (remoting and gossip run on real time).</summary>
    private static async Task<T> Eventually<T>(Func<T> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var value = read();
            if (done(value))
            {
                return value;
            }
            Assert.True(DateTime.UtcNow < deadline, $"not within 20 s: {what}");
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// A lost pod-route announcement (a lossy link between members) is noticed and put right: a gap in the announcement
/// numbers, or a later number heard of, makes the receiver ask the announcer for its whole table, once until it comes.
/// </summary>
public sealed class PodRouteLossTests() : Akka.TestKit.Xunit2.TestKit(new ClusterMembership([ClusterRoles.Worker], "127.0.0.1", 0).ToConfig(1.0).WithFallback(RuntimeConfig.Defaults), "emulator")
{
    private static AnnouncedPodRoute Route(string ip, string name) =>
        new(ip, "default", name, "w1-node-1", [new EmulatedServerDescription(ServerFlavor.Nginx, [80], name, ip, "", "1.27.3")]);

    [Fact]
    public void A_gap_or_a_later_number_makes_the_receiver_ask_for_the_whole_table_once()
    {
        var routes = Sys.ActorOf(Props.Create(() => new PodRoutes()), PodRoutes.Name);
        var network = ClusterNetwork.Get(Sys);
        var announcer = CreateTestProbe();

        // The whole table as of announcement 3, then 4: in order, nothing is asked.
        routes.Tell(new PodRoutesAnnounced(true, 3, [Route("10.244.1.5", "a")]), announcer.Ref);
        routes.Tell(new PodRoutesAnnounced(false, 4, [Route("10.244.1.6", "b")]), announcer.Ref);
        routes.Tell(new PodRoutesSequence(4), announcer.Ref);
        announcer.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        AwaitAssert(() => Assert.NotNull(network.ListenersAt("10.244.1.6")));

        // Announcement 5 was lost: 6 still applies, and the table is asked for — once, however often the gap shows.
        routes.Tell(new PodRoutesAnnounced(false, 6, [Route("10.244.1.7", "c")]), announcer.Ref);
        announcer.ExpectMsg<PodRoutesWanted>();
        AwaitAssert(() => Assert.NotNull(network.ListenersAt("10.244.1.7")));
        routes.Tell(new PodRoutesSequence(7), announcer.Ref);
        announcer.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // The table comes (what 5 said is in it: a gone), and replaces what was held.
        routes.Tell(new PodRoutesAnnounced(true, 7, [Route("10.244.1.6", "b"), Route("10.244.1.7", "c"), Route("10.244.1.8", "d")]), announcer.Ref);
        AwaitAssert(() => Assert.Null(network.ListenersAt("10.244.1.5")));
        Assert.NotNull(network.ListenersAt("10.244.1.8"));

        // The last announcement lost, with nothing after it: the periodic number reveals it.
        routes.Tell(new PodRoutesSequence(8), announcer.Ref);
        announcer.ExpectMsg<PodRoutesWanted>();
    }
}
