using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Emulator.Cluster;
using Emulator.Management.Palettes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Emulator.Management.Tests;

/// <summary>
/// The <c>remote</c> palette of one member (system A) over real loopback TCP to another (system B), both with the
/// members' transport settings (the <c>trttl</c> and <c>gremlin</c> adapters): a blackhole drops what crosses the link,
/// a throttle slows it, a restore brings it back; addresses that are not members or associations, and bad arguments,
/// get clear errors.
/// </summary>
public sealed class RemotePaletteTests : IAsyncLifetime
{
    // The members' own settings, on the remote provider: two members that never join need no cluster.
    private static readonly Config MemberSettings = ConfigurationFactory.ParseString("""
        akka.actor.provider = remote
        akka.extensions = ["Emulator.Cluster.RemoteLinksProvider, Emulator.Cluster"]
        akka.loglevel = WARNING
        """).WithFallback(new ClusterMembership([ClusterRoles.Worker]).ToConfig(1.0));

    private ActorSystem _a = null!;
    private ActorSystem _b = null!;
    private ConsoleEndpoint _endpoint = null!;

    public Task InitializeAsync()
    {
        _a = ActorSystem.Create(ClusterMembership.SystemName, MemberSettings);
        _b = ActorSystem.Create(ClusterMembership.SystemName, MemberSettings);
        _b.ActorOf(Props.Create(() => new Echo()), "echo");
        _endpoint = ConsoleEndpoint.Start(IPAddress.Loopback, 0, [new RemotePalette(_a)], NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        await Task.WhenAll(_a.Terminate(), _b.Terminate());
    }

    private static Address AddressOf(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    private string B => $"{AddressOf(_b).Host}:{AddressOf(_b).Port}";

    private ConsoleClient Connect() => new(_endpoint.Address);

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    /// <summary>A round trip from A to B's echo actor and back, or null when none came back within <paramref name="timeout"/>.</summary>
    private async Task<string?> RoundTrip(string message, TimeSpan timeout)
    {
        try
        {
            return await _a.ActorSelection(new RootActorPath(AddressOf(_b)) / "user" / "echo").Ask<string>(message, timeout);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Every_member_address_carries_the_adapters_protocol()
    {
        Assert.Equal(ClusterMembership.Protocol, AddressOf(_a).Protocol);
        Assert.Equal($"{ClusterMembership.Protocol}://emulator@127.0.0.1:4053", new ClusterMembership([ClusterRoles.Worker], Seeds: ["127.0.0.1:4053"]).SeedAddresses.Single());
        Assert.Equal("ping", await RoundTrip("ping", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_blackhole_drops_the_link_until_restored_and_connections_show_it()
    {
        Assert.Equal("ping", await RoundTrip("ping", TimeSpan.FromSeconds(10)));
        using var console = Connect();
        var before = await console.Run("remote", "connections");
        Assert.Equal(0, before.Exit);
        // Each member sends over its own connection (use-passive-connections off): B's answer came over B's, so the
        // last association recorded may be either.
        Assert.Matches(@"^ADDRESS\s+MEMBER\s+REACHABLE\s+ASSOCIATION\s+SINCE\s+LINK$", before.Out[0]);
        Assert.Matches($@"^{ClusterMembership.Protocol}://emulator@{B}\s+-\s+-\s+associated \((inbound|outbound)\)\s+\S+Z\s+normal$", Assert.Single(before.Out.Skip(1)));

        var blackholed = await console.Run("remote", "blackhole", B);
        Assert.Equal(0, blackholed.Exit);
        Assert.Equal($"{AddressOf(_b)}: blackhole (both)", Assert.Single(blackholed.Out));
        Assert.Null(await RoundTrip("lost", TimeSpan.FromSeconds(1)));
        Assert.EndsWith("blackhole (both)", (await console.Run("remote", "connections")).Out[1], StringComparison.Ordinal);

        var restored = await console.Run("remote", "restore", AddressOf(_b).ToString());
        Assert.Equal(0, restored.Exit);
        Assert.Equal($"{AddressOf(_b)}: normal", Assert.Single(restored.Out));
        Assert.Equal("back", await RoundTrip("back", TimeSpan.FromSeconds(10)));
        Assert.EndsWith("normal", (await console.Run("remote", "connections")).Out[1], StringComparison.Ordinal);
    }

    private sealed class Inbox : ReceiveActor
    {
        public Inbox(TaskCompletionSource<string> received) => Receive<string>(m => received.TrySetResult(m));
    }

    [Fact]
    public async Task A_blackhole_on_send_drops_what_this_member_sends_and_lets_in_what_it_receives()
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _a.ActorOf(Props.Create(() => new Inbox(received)), "inbox");
        Assert.Equal("ping", await RoundTrip("ping", TimeSpan.FromSeconds(10)));
        using var console = Connect();
        Assert.Equal(0, (await console.Run("remote", "blackhole", B, "--direction", "send")).Exit);

        Assert.Null(await RoundTrip("lost", TimeSpan.FromSeconds(1)));
        _b.ActorSelection(new RootActorPath(AddressOf(_a)) / "user" / "inbox").Tell("from B");
        Assert.Equal("from B", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_throttle_slows_large_messages_and_restore_lifts_it()
    {
        var large = new string('x', 20_000);
        Assert.Equal(large, await RoundTrip(large, TimeSpan.FromSeconds(10)));
        using var console = Connect();
        var throttled = await console.RunJson("remote", "throttle", B, "--rate", "5000");
        Assert.Equal(0, throttled.Exit);
        var value = Assert.IsType<JsonObject>(Assert.Single(throttled.Json));
        Assert.Equal(AddressOf(_b).ToString(), value["address"]!.GetValue<string>());
        Assert.Equal("throttle 5000 B/s (both)", value["link"]!.GetValue<string>());

        // A message larger than the bucket passes and leaves the link owing 15,000 bytes: at 5,000 B/s the next one
        // waits about 3 s each way.
        var slow = Stopwatch.StartNew();
        Assert.Equal(large, await RoundTrip(large, TimeSpan.FromSeconds(30)));
        Assert.Equal(large, await RoundTrip(large, TimeSpan.FromSeconds(30)));
        Assert.True(slow.Elapsed > TimeSpan.FromSeconds(2), $"two 20 kB round trips at 5000 B/s took {slow.Elapsed.TotalSeconds:0.0} s");

        var connections = await console.RunJson("remote", "connections");
        var row = Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<JsonArray>(Assert.Single(connections.Json))));
        Assert.Equal("throttle 5000 B/s (both)", row["link"]!.GetValue<string>());
        Assert.Equal(["address", "member", "reachable", "association", "since", "link"], row.Select(p => p.Key));

        Assert.Equal(0, (await console.Run("remote", "restore", B)).Exit);
        var fast = Stopwatch.StartNew();
        Assert.Equal(large, await RoundTrip(large, TimeSpan.FromSeconds(10)));
        Assert.Equal(large, await RoundTrip(large, TimeSpan.FromSeconds(10)));
        Assert.True(fast.Elapsed < TimeSpan.FromSeconds(2), $"two 20 kB round trips after restore took {fast.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Unknown_addresses_and_this_member_itself_are_refused_with_status_1()
    {
        Assert.Equal("ping", await RoundTrip("ping", TimeSpan.FromSeconds(10)));
        using var console = Connect();
        var unknown = await console.Run("remote", "blackhole", "127.0.0.1:1");
        Assert.Equal(ConsoleProtocol.Failed, unknown.Exit);
        Assert.Equal($"no member or association at 127.0.0.1:1 (known: {B})", Assert.Single(unknown.Err));

        var self = await console.Run("remote", "restore", $"{AddressOf(_a).Host}:{AddressOf(_a).Port}");
        Assert.Equal(ConsoleProtocol.Failed, self.Exit);
        Assert.Equal($"{AddressOf(_a)} is this member: name another one", Assert.Single(self.Err));
    }

    [Theory]
    [InlineData("missing ADDRESS", "remote", "blackhole")]
    [InlineData("ADDRESS must be HOST:PORT (e.g. 127.0.0.1:4053) or a full address (akka.trttl.gremlin.tcp://emulator@127.0.0.1:4053), got \"nowhere\"", "remote", "blackhole", "nowhere")]
    [InlineData("ADDRESS must be HOST:PORT", "remote", "restore", "127.0.0.1:99999")]
    [InlineData("--direction must be both, send or receive, got \"sideways\"", "remote", "blackhole", "127.0.0.1:1", "--direction", "sideways")]
    [InlineData("missing --rate BYTES_PER_SECOND", "remote", "throttle", "127.0.0.1:1")]
    [InlineData("--rate must be a whole number from 1 to 1000000000000, got \"0\"", "remote", "throttle", "127.0.0.1:1", "--rate", "0")]
    [InlineData("--rate must be a whole number from 1 to 1000000000000, got \"fast\"", "remote", "throttle", "127.0.0.1:1", "--rate", "fast")]
    [InlineData("unknown option --direction", "remote", "restore", "127.0.0.1:1", "--direction", "send")]
    [InlineData("unexpected argument \"extra\"", "remote", "connections", "extra")]
    [InlineData("unknown command \"remote partition\"", "remote", "partition")]
    public async Task Bad_arguments_get_a_message_and_status_2(string message, params string[] args)
    {
        using var console = Connect();
        var answer = await console.Run(args);
        Assert.Equal(ConsoleProtocol.Usage, answer.Exit);
        Assert.Contains(answer.Err, e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Completion_offers_the_known_addresses()
    {
        Assert.Equal("ping", await RoundTrip("ping", TimeSpan.FromSeconds(10)));
        using var console = Connect();
        Assert.Equal([B], (await console.SendLine(ConsoleProtocol.Complete("remote blackhole 127.").ToJsonString())).Out);
    }

    [Fact]
    public async Task A_process_without_remoting_says_so()
    {
        using var local = ActorSystem.Create("local", "akka.loglevel = WARNING");
        await using var endpoint = ConsoleEndpoint.Start(IPAddress.Loopback, 0, [new RemotePalette(local)], NullLogger.Instance);
        using var console = new ConsoleClient(endpoint.Address);
        var answer = await console.Run("remote", "connections");
        Assert.Equal(ConsoleProtocol.Failed, answer.Exit);
        Assert.Equal("this process does not use Akka.Remote", Assert.Single(answer.Err));
    }

    [Theory]
    [InlineData("127.0.0.1:4053", "akka.trttl.gremlin.tcp://emulator@127.0.0.1:4053")]
    [InlineData("localhost:80", "akka.trttl.gremlin.tcp://emulator@localhost:80")]
    [InlineData("akka.tcp://emulator@10.0.0.5:4053", "akka.tcp://emulator@10.0.0.5:4053")]
    public void Addresses_parse_as_host_and_port_or_in_full(string text, string expected)
    {
        var self = new Address(ClusterMembership.Protocol, ClusterMembership.SystemName, "127.0.0.1", 1);
        var address = MemberAddress.Parse(text, self);
        Assert.Equal(expected, address.ToString());
        Assert.True(MemberAddress.SameEndpoint(address, Address.Parse(expected.Replace(ClusterMembership.Protocol, "akka.tcp", StringComparison.Ordinal))));
    }
}
