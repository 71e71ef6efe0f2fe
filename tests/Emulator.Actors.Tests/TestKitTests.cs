using Emulator.Actors.Event;
using Emulator.Actors.TestKit;
using Microsoft.Extensions.Logging;

namespace Emulator.Actors.Tests;

/// <summary>The test kit's own expectations: they pass on the right messages and fail on the wrong ones.</summary>
public sealed class TestKitTests : TestKitBase
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void ExpectMsg_with_a_predicate_returns_the_matching_message_and_fails_on_a_mismatch()
    {
        TestActor.Tell(7);
        Assert.Equal(7, ExpectMsg<int>(n => n > 5));

        TestActor.Tell(3);
        Assert.Throws<TestKitAssertionException>(() => ExpectMsg<int>(n => n > 5));
        TestActor.Tell("text");
        Assert.Throws<TestKitAssertionException>(() => ExpectMsg<int>());
        TestActor.Tell("other");
        Assert.Throws<TestKitAssertionException>(() => ExpectMsg("expected"));
    }

    [Fact]
    public void ExpectMsg_fails_when_nothing_arrives_in_time()
    {
        var error = Assert.Throws<TestKitAssertionException>(() => ExpectMsg<string>(timeout: Short, hint: "the reply"));

        Assert.Contains("the reply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectNoMsg_passes_when_idle_and_fails_when_a_message_is_waiting()
    {
        var echo = ActorOf(() => new Echo(), "echo");

        ExpectNoMsg();
        echo.Tell("late", TestActor);

        Assert.Throws<TestKitAssertionException>(() => ExpectNoMsg());
    }

    [Fact]
    public void FishForMessage_skips_other_messages_and_fails_when_none_matches()
    {
        foreach (var m in new object[] { "a", 1, "b", 2, "c" })
        {
            TestActor.Tell(m);
        }

        Assert.Equal(2, FishForMessage<int>(n => n % 2 == 0));
        Assert.Equal("c", ReceiveOne());
        TestActor.Tell("x");
        Assert.Throws<TestKitAssertionException>(() => FishForMessage(m => m is int, Short));
    }

    [Fact]
    public void ReceiveN_returns_the_messages_in_order_and_fails_when_too_few_arrive()
    {
        var echo = ActorOf(() => new Echo(), "echo");
        for (var i = 0; i < 5; i++)
        {
            echo.Tell(i, TestActor);
        }

        Assert.Equal(new object[] { 0, 1, 2, 3, 4 }, ReceiveN(5));
        echo.Tell("only one", TestActor);
        Assert.Throws<TestKitAssertionException>(() => ReceiveN(2, Short));
    }

    [Fact]
    public void AwaitAssert_retries_until_the_assertion_holds_and_rethrows_the_last_failure()
    {
        var counter = ActorOf(() => new Counter(), "counter");
        var seen = new List<int>();
        counter.Tell(new Subscribe(seen));
        for (var i = 0; i < 3; i++)
        {
            counter.Tell("inc");
        }

        AwaitAssert(() => Assert.Equal(3, seen.LastOrDefault()));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AwaitAssert(() => Assert.Equal(4, seen.LastOrDefault()), Short));
    }

    [Fact]
    public void AwaitCondition_waits_for_the_actors_and_fails_with_the_message_when_never_true()
    {
        var counter = ActorOf(() => new Counter(), "counter");
        var seen = new List<int>();
        counter.Tell(new Subscribe(seen));
        counter.Tell("inc");
        counter.Tell("inc");

        AwaitCondition(() => seen.Count == 2);
        var error = Assert.Throws<TestKitAssertionException>(() => AwaitCondition(() => seen.Count == 3, Short, "third increment"));
        Assert.Contains("third increment", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventFilter_counts_matching_events_and_fails_on_a_wrong_count()
    {
        var logger = ActorOf(() => new Logger(), "logger");

        EventFilter.Warning("disk").Expect(2, () =>
        {
            logger.Tell("disk almost full");
            logger.Tell("unrelated");
            logger.Tell("disk full");
        });
        Assert.Throws<TestKitAssertionException>(() => EventFilter.Warning("disk").Expect(2, () => logger.Tell("disk gone"), Short));
        Assert.Throws<TestKitAssertionException>(() => EventFilter.Warning("disk").Expect(0, () => logger.Tell("disk gone")));
        Assert.Throws<TestKitAssertionException>(() => EventFilter.Log(LogLevel.Error).Expect(1, () => logger.Tell("disk"), Short));
    }

    [Fact]
    public void EventFilter_matches_exceptions_by_type_and_source()
    {
        var failing = ActorOf(() => new Failing(), "failing");

        var result = EventFilter.Exception<InvalidOperationException>(source: failing.Path.ToString()).Expect(1, () =>
        {
            failing.Tell("fail");
            return "done";
        });

        Assert.Equal("done", result);
    }

    [Fact]
    public void A_probe_replies_to_its_last_sender()
    {
        var probe = CreateTestProbe();
        var asker = ActorOf(() => new Asker(probe.Ref, TestActor), "asker");

        asker.Tell("start");
        probe.ExpectMsg("question");
        Assert.Equal(asker, probe.LastSender);
        probe.Reply("answer");

        ExpectMsg("asker got answer");
    }

    [Fact]
    public void A_probe_forwards_keeping_the_original_sender()
    {
        var probe = CreateTestProbe();
        var asker = ActorOf(() => new Asker(probe.Ref, TestActor), "asker");
        var echo = ActorOf(() => new Echo(), "echo");

        asker.Tell("start");
        var question = probe.ExpectMsg<string>();
        probe.Forward(echo, question);

        ExpectMsg("asker got question");
    }

    [Fact]
    public void LastSender_is_the_sender_of_the_last_message_taken()
    {
        var probe = CreateTestProbe();
        var echo = ActorOf(() => new Echo(), "echo");

        probe.Send(echo, "hi");
        probe.ExpectMsg("hi");
        Assert.Equal(echo, probe.LastSender);
        probe.Ref.Tell("no sender", null);
        probe.ExpectMsg("no sender");
        Assert.Equal(Sys.DeadLetters, probe.LastSender);
    }

    [Fact]
    public void ExpectTerminated_sees_a_watched_actor_stop()
    {
        var echo = ActorOf(() => new Echo(), "echo");
        Watch(echo);

        echo.Tell(PoisonPill.Instance);

        Assert.True(ExpectTerminated(echo).ExistenceConfirmed);
    }

    private sealed record Subscribe(List<int> Seen);

    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            ReceiveAny(m => Sender.Tell(m));
        }
    }

    private sealed class Counter : ReceiveActor
    {
        public Counter()
        {
            var count = 0;
            List<int>? seen = null;
            Receive<Subscribe>(s => seen = s.Seen);
            Receive<string>(_ => seen?.Add(++count));
        }
    }

    private sealed class Logger : ReceiveActor
    {
        public Logger()
        {
            var log = Context.GetLogger();
            Receive<string>(s => log.Warning("Warning: {Text}", s));
        }
    }

    private sealed class Failing : ReceiveActor
    {
        public Failing()
        {
            Receive<string>(Fail);
        }

        private static void Fail(string message) => throw new InvalidOperationException(message);
    }

    /// <summary>On "start" sends "question" to the target; reports the answer to the probe.</summary>
    private sealed class Asker : ReceiveActor
    {
        public Asker(IActorRef target, IActorRef report)
        {
            Receive<string>(_ => target.Tell("question"), s => s == "start");
            Receive<string>(s => report.Tell($"asker got {s}"));
        }
    }
}
