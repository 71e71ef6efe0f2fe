using System.Net;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.Management.Palettes;
using Emulator.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Emulator.Management.Tests;

/// <summary>
/// The console endpoint over real loopback TCP, with the palettes that need no cluster: the actor tree of the test's
/// system, its log, its virtual clock. Bad input of every kind gets a message and a usage status, never a crash.
/// </summary>
public sealed class ConsoleEndpointTests : EmulatorTestKit, IAsyncLifetime
{
    private ConsoleEndpoint _endpoint = null!;

    public ConsoleEndpointTests()
        : base(seed: null)
    {
    }

    public Task InitializeAsync()
    {
        var recorder = Sys.ActorOf(Props.Create(() => new LogRecorder(100)), "console-log");
        _endpoint = ConsoleEndpoint.Start(IPAddress.Loopback, 0, [new ActorPalette(Sys), new TimePalette(Time), new LogPalette(recorder)], NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _endpoint.DisposeAsync();

    private ConsoleClient Connect() => new(_endpoint.Address);

    /// <summary>Retries <paramref name="attempt"/> until it holds: actors start and log asynchronously.</summary>
    private static async Task Eventually(Func<Task<bool>> attempt)
    {
        using var deadline = new CancellationTokenSource(SettleTimeout);
        while (!await attempt())
        {
            await Task.Delay(50, deadline.Token);
        }
    }

    [Fact]
    public async Task Help_lists_every_command_and_ends_with_status_0()
    {
        using var console = Connect();
        var answer = await console.Run("help");
        Assert.Equal(0, answer.Exit);
        Assert.Contains(answer.Out, l => l.StartsWith("actor hierarchy [PATH] [--depth N]", StringComparison.Ordinal));
        Assert.Contains(answer.Out, l => l.StartsWith("time advance DURATION", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("unknown palette \"bogus\"", "bogus")]
    [InlineData("unknown command \"time bogus\"", "time", "bogus")]
    [InlineData("--depth must be a whole number from 0 to 100, got \"x\"", "actor", "hierarchy", "--depth", "x")]
    [InlineData("unknown option --colour", "time", "show", "--colour", "red")]
    [InlineData("DURATION must look like 90s, 5m or 1h30m, got \"5parsecs\"", "time", "advance", "5parsecs")]
    [InlineData("missing DURATION", "time", "advance")]
    [InlineData("MESSAGE must be PoisonPill, Kill or Identify, got \"hello\"", "actor", "send", "/user/console-log", "hello")]
    public async Task Bad_commands_and_arguments_get_a_message_and_status_2(string message, params string[] args)
    {
        using var console = Connect();
        var answer = await console.Run(args);
        Assert.Equal(ConsoleProtocol.Usage, answer.Exit);
        Assert.Contains(answer.Err, e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"args\":[1,2]}")]
    [InlineData("{\"args\":\"time show\"}")]
    [InlineData("\u0000\u0001garbage")]
    public async Task A_malformed_request_gets_an_error_and_the_connection_keeps_serving(string line)
    {
        using var console = Connect();
        var bad = await console.SendLine(line);
        Assert.Equal(ConsoleProtocol.Usage, bad.Exit);
        Assert.Contains(bad.Err, e => e.StartsWith("malformed request", StringComparison.Ordinal));

        var good = await console.Run("time", "show");
        Assert.Equal(0, good.Exit);
    }

    [Fact]
    public async Task A_request_longer_than_the_limit_ends_its_connection_and_the_endpoint_serves_others()
    {
        using (var console = Connect())
        {
            await console.Write(new string('x', ConsoleProtocol.MaxRequestBytes + 10_000));
            var answer = await console.ReadAnswer();
            Assert.Equal(ConsoleProtocol.Usage, answer.Exit);
            Assert.Contains(answer.Err, e => e.Contains("longer than", StringComparison.Ordinal));
            Assert.Null(await console.ReadLine());
        }
        using var next = Connect();
        Assert.Equal(0, (await next.Run("help")).Exit);
    }

    private sealed class Parent : ReceiveActor
    {
        public Parent(IActorRef probe)
        {
            Context.ActorOf(Props.Create(() => new Child(probe)), "child");
            ReceiveAny(_ => { });
        }

        protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Restart);
    }

    private sealed class Child : ReceiveActor
    {
        private readonly IActorRef _probe;

        public Child(IActorRef probe)
        {
            _probe = probe;
            ReceiveAny(_ => { });
        }

        protected override void PreRestart(Exception reason, object message) => _probe.Tell($"restarted after {reason.GetType().Name}");
    }

    [Fact]
    public async Task The_hierarchy_shows_types_and_mailboxes_and_a_kill_is_left_to_the_supervisor()
    {
        Sys.ActorOf(Props.Create(() => new Parent(TestActor)), "parent");
        using var console = Connect();
        await Eventually(async () => (await console.Run("actor", "hierarchy", "/user/parent")).Out.Last().Contains("child", StringComparison.Ordinal));
        var tree = await console.Run("actor", "hierarchy", "/user/parent");
        Assert.Equal(0, tree.Exit);
        Assert.Matches(@"^PATH\s+TYPE\s+MAILBOX$", tree.Out[0]);
        Assert.Matches(@"^/user/parent\s+Parent\s+0$", tree.Out[1]);
        Assert.Matches(@"^  child\s+Child\s+0$", tree.Out[2]);
        var shallow = await console.Run("actor", "hierarchy", "/user", "--depth", "0");
        Assert.Equal(2, shallow.Out.Count);

        var killed = await console.Run("actor", "kill", "/user/parent/child");
        Assert.Equal(0, killed.Exit);
        ExpectMsg("restarted after ActorKilledException");

        var system = await console.Run("actor", "stop", "/system");
        Assert.Equal(ConsoleProtocol.Failed, system.Exit);
        Assert.Contains(system.Err, e => e.Contains("not under /user", StringComparison.Ordinal));
        var missing = await console.Run("actor", "stop", "/user/nobody");
        Assert.Equal(ConsoleProtocol.Failed, missing.Exit);
        Assert.Contains("no actor at /user/nobody", missing.Err);

        var identified = await console.Run("actor", "send", "/user/parent", "Identify");
        Assert.Equal("identified /user/parent", Assert.Single(identified.Out));
        var parent = await Sys.ActorSelection("/user/parent").ResolveOne(TimeSpan.FromSeconds(5));
        Watch(parent);
        Assert.Equal(0, (await console.Run("actor", "stop", "/user/parent")).Exit);
        ExpectTerminated(parent);
    }

    [Fact]
    public async Task Time_advance_moves_virtual_time_and_pause_is_refused_there()
    {
        using var console = Connect();
        var before = Clock.Elapsed;
        var advanced = await console.Run("time", "advance", "1h30m");
        Assert.Equal(0, advanced.Exit);
        Assert.Equal(before + TimeSpan.FromMinutes(90), Clock.Elapsed);
        Assert.Matches(@"virtual$", advanced.Out[1]);

        var paused = await console.Run("time", "pause");
        Assert.Equal(ConsoleProtocol.Failed, paused.Exit);
        Assert.Contains(paused.Err, e => e.Contains("virtual", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_output_renders_a_table_as_an_array_of_objects()
    {
        using var console = Connect();
        var answer = await console.RunJson("time", "show");
        var row = Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<JsonArray>(Assert.Single(answer.Json))));
        Assert.Equal("virtual", row["state"]!.GetValue<string>());
        Assert.Equal(["now", "elapsed", "scale", "state"], row.Select(p => p.Key));
    }

    [Fact]
    public async Task Completion_offers_palettes_commands_and_actor_paths()
    {
        Sys.ActorOf(Props.Empty, "completion-target");
        using var console = Connect();
        Assert.Equal(["time"], (await console.SendLine(ConsoleProtocol.Complete("ti").ToJsonString())).Out);
        Assert.Equal(["hierarchy"], (await console.SendLine(ConsoleProtocol.Complete("actor hi").ToJsonString())).Out);
        Assert.Equal(["/user/completion-target"], (await console.SendLine(ConsoleProtocol.Complete("actor stop /user/completion-").ToJsonString())).Out);
    }

    [Fact]
    public async Task Log_peek_shows_recent_entries_at_or_above_a_level_and_tail_streams_new_ones()
    {
        using var console = Connect();
        // The recorder subscribes to the event stream as it starts: log until it has seen one.
        await Eventually(async () =>
        {
            Sys.Log.Warning("peek-marker");
            return (await console.Run("log", "peek", "--level", "warning")).Out.Any(l => l.Contains("WARNING", StringComparison.Ordinal) && l.EndsWith("peek-marker", StringComparison.Ordinal));
        });
        Assert.DoesNotContain((await console.Run("log", "peek", "--level", "error")).Out, l => l.Contains("peek-marker", StringComparison.Ordinal));

        await console.Write(ConsoleProtocol.Run(["log", "tail", "--level", "error"], json: false).ToJsonString() + "\n");
        // The tail starts once the recorder has the request: log until a line comes back.
        var reading = console.ReadLine();
        while (!reading.IsCompleted)
        {
            Sys.Log.Error("tail-marker");
            await Task.WhenAny(reading, Task.Delay(100));
        }
        Assert.Contains("tail-marker", await reading, StringComparison.Ordinal);
    }
}
