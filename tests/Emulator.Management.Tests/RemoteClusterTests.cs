using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Cluster;
using Emulator.Management.Palettes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Emulator.Management.Tests;

/// <summary>
/// The <c>remote</c> and <c>cluster</c> palettes of a member of a real two-member Akka cluster on loopback (the
/// members' own settings): a blackholed link makes the other member unreachable as the failure detector sees it,
/// restoring it makes it reachable again; a lossy link loses some messages; members are named by <c>HOST:PORT</c>.
/// </summary>
public sealed class RemoteClusterTests : IAsyncLifetime
{
    // The Split Brain Resolver waits long here: the test looks at reachability, not at which side is downed.
    private static readonly Config MemberSettings = ConfigurationFactory.ParseString("""
        akka.cluster.split-brain-resolver.stable-after = 120s
        akka.loglevel = WARNING
        """).WithFallback(new ClusterMembership([ClusterRoles.Worker]).ToConfig(1.0));

    private ActorSystem _a = null!;
    private ActorSystem _b = null!;
    private ConsoleEndpoint _endpoint = null!;

    public async Task InitializeAsync()
    {
        _a = ActorSystem.Create(ClusterMembership.SystemName, MemberSettings);
        _b = ActorSystem.Create(ClusterMembership.SystemName, MemberSettings);
        var seed = Akka.Cluster.Cluster.Get(_a).SelfAddress;
        Akka.Cluster.Cluster.Get(_a).Join(seed);
        Akka.Cluster.Cluster.Get(_b).Join(seed);
        _endpoint = ConsoleEndpoint.Start(IPAddress.Loopback, 0, [new ClusterPalette(_a), new RemotePalette(_a)], NullLogger.Instance);
        await Eventually(() => Task.FromResult(Akka.Cluster.Cluster.Get(_a).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2));
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        await Task.WhenAll(_a.Terminate(), _b.Terminate());
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(100, deadline.Token);
        }
    }

    private string B => $"{Akka.Cluster.Cluster.Get(_b).SelfAddress.Host}:{Akka.Cluster.Cluster.Get(_b).SelfAddress.Port}";

    [Fact]
    public async Task A_blackholed_member_becomes_unreachable_and_reachable_again_once_restored()
    {
        using var console = new ConsoleClient(_endpoint.Address);
        string Row(ConsoleAnswer answer) => Assert.Single(answer.Out, l => l.Contains("@" + B, StringComparison.Ordinal));
        var before = await console.Run("remote", "connections");
        Assert.Matches(@"\s+Up\s+yes\s+associated \((inbound|outbound)\)\s+\S+Z\s+normal$", Row(before));

        Assert.Equal(0, (await console.Run("remote", "blackhole", B)).Exit);
        await Eventually(async () => Row(await console.Run("remote", "connections")).Contains(" no ", StringComparison.Ordinal));
        Assert.Matches(@"\s+Up\s+no\s+associated \(\w+\)\s+\S+Z\s+blackhole \(both\)$", Row(await console.Run("remote", "connections")));
        Assert.Matches(@"\s+Up\s+\S+\s+no$", Assert.Single((await console.Run("cluster", "show")).Out, l => l.Contains("@" + B, StringComparison.Ordinal)));

        Assert.Equal(0, (await console.Run("remote", "restore", B)).Exit);
        await Eventually(async () => Row(await console.Run("remote", "connections")).Contains(" yes ", StringComparison.Ordinal));
        Assert.Matches(@"\s+Up\s+yes\s+associated \(\w+\)\s+\S+Z\s+normal$", Row(await console.Run("remote", "connections")));
    }

    [Fact]
    public async Task A_lossy_link_loses_some_messages_until_it_is_restored()
    {
        using var console = new ConsoleClient(_endpoint.Address);
        var received = new int[1];
        _b.ActorOf(Props.Create(() => new Counter(received)), "counter");
        var counter = _a.ActorSelection(new RootActorPath(Akka.Cluster.Cluster.Get(_b).SelfAddress) / "user" / "counter");

        var refused = await console.Run("remote", "drop", B, "--probability", "1.5");
        Assert.NotEqual(0, refused.Exit);
        Assert.Contains("--probability must be a number from 0 to 1, got \"1.5\"", Assert.Single(refused.Err));

        var dropping = await console.Run("remote", "drop", B, "--probability", "0.5");
        Assert.Equal(0, dropping.Exit);
        Assert.EndsWith(": drop 0.5 (send)", Assert.Single(dropping.Out));
        Assert.EndsWith("drop 0.5 (send)", Assert.Single((await console.Run("remote", "connections")).Out, l => l.Contains("@" + B, StringComparison.Ordinal)));
        for (var i = 0; i < 400; i++)
        {
            counter.Tell(i);
        }
        var lossy = await Settled(received);
        // Each message is lost with probability 0.5: all 400 or none arriving is 2^-400 likely.
        Assert.InRange(lossy, 1, 399);

        Assert.Equal(0, (await console.Run("remote", "restore", B)).Exit);
        for (var i = 0; i < 400; i++)
        {
            counter.Tell(i);
        }
        Assert.Equal(lossy + 400, await Settled(received, lossy + 400));
    }

    /// <summary>The count once it has stopped moving for half a second (or reached <paramref name="expected"/>).</summary>
    private static async Task<int> Settled(int[] received, int expected = int.MaxValue)
    {
        var last = -1;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var now = Volatile.Read(ref received[0]);
            if (now == expected || now == last)
            {
                return now;
            }
            last = now;
            await Task.Delay(500);
        }
        return Volatile.Read(ref received[0]);
    }

    private sealed class Counter : ReceiveActor
    {
        public Counter(int[] received) => Receive<int>(_ => Interlocked.Increment(ref received[0]));
    }

    [Fact]
    public async Task Cluster_commands_name_members_by_host_and_port()
    {
        using var console = new ConsoleClient(_endpoint.Address);
        var unknown = await console.Run("cluster", "down", "127.0.0.1:1");
        Assert.Equal(ConsoleProtocol.Failed, unknown.Exit);
        Assert.Equal($"{ClusterMembership.Protocol}://emulator@127.0.0.1:1 is not a member", Assert.Single(unknown.Err));

        // An address typed with the plain protocol still names the member at that host and port.
        var left = await console.Run("cluster", "leave", $"akka.tcp://emulator@{B}");
        Assert.Equal(0, left.Exit);
        Assert.Equal($"leave {Akka.Cluster.Cluster.Get(_b).SelfAddress}", Assert.Single(left.Out));
        await Eventually(() => Task.FromResult(Akka.Cluster.Cluster.Get(_a).State.Members.Count == 1));
    }
}
