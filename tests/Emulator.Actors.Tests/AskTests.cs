using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>Ask: request and reply through a temporary actor, with timeouts on the system's virtual clock.</summary>
public sealed class AskTests : TestKitBase
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RealWait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Ask_completes_with_the_reply()
    {
        var echo = ActorOf(() => new Responder(), "responder");

        var task = echo.Ask<string>("hello", AskTimeout);

        Assert.True(Sys.WaitDeterministically(task, RealWait));
        Assert.Equal("hello", await task);
    }

    [Fact]
    public async Task Ask_fails_with_AskTimeoutException_once_virtual_time_passes_the_timeout()
    {
        var silent = ActorOf(() => new Responder(), "responder");

        var task = silent.Ask<string>(new Ignore(), AskTimeout);
        RunUntilIdleIfDeterministic();
        Advance(AskTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(task.IsCompleted);
        Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(Sys.WaitDeterministically(task, RealWait));
        await Assert.ThrowsAsync<AskTimeoutException>(() => task);
    }

    [Fact]
    public async Task Ask_to_an_actor_that_is_already_dead_fails_at_once()
    {
        var actor = ActorOf(() => new Responder(), "responder");
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);

        var task = actor.Ask<string>("hello", AskTimeout);

        Assert.True(task.IsFaulted);
        await Assert.ThrowsAsync<AskTimeoutException>(() => task);
    }

    [Fact]
    public async Task A_Status_Failure_reply_fails_the_task_with_its_cause()
    {
        var actor = ActorOf(() => new Responder(), "responder");

        var task = actor.Ask<string>(new FailWith("no capacity"), AskTimeout);

        Assert.True(Sys.WaitDeterministically(task, RealWait));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => task);
        Assert.Equal("no capacity", error.Message);
    }

    [Fact]
    public async Task A_reply_of_the_wrong_type_fails_the_typed_ask()
    {
        var actor = ActorOf(() => new Responder(), "responder");

        var task = actor.Ask<int>("not a number", AskTimeout);

        Assert.True(Sys.WaitDeterministically(task, RealWait));
        await Assert.ThrowsAsync<InvalidCastException>(() => task);
    }

    [Fact]
    public async Task The_untyped_ask_completes_with_any_reply()
    {
        var actor = ActorOf(() => new Responder(), "responder");

        var task = actor.Ask(42, AskTimeout);

        Assert.True(Sys.WaitDeterministically(task, RealWait));
        Assert.Equal(42, await task);
    }

    [Fact]
    public void A_reply_after_the_timeout_goes_to_dead_letters()
    {
        var actor = ActorOf(() => new Responder(), "responder");
        var task = actor.Ask<string>(new ReplyLater(), AskTimeout);
        RunUntilIdleIfDeterministic();
        Advance(AskTimeout);
        Assert.True(Sys.WaitDeterministically(task, RealWait));
        Assert.IsType<AskTimeoutException>(task.Exception?.InnerException);

        EventFilter.DeadLetter<string>(m => m == "late").Expect(1, () => actor.Tell(new Now()));
    }

    [Fact]
    public async Task A_cancelled_token_cancels_the_ask()
    {
        var silent = ActorOf(() => new Responder(), "responder");
        using var cancellation = new CancellationTokenSource();

        var task = silent.Ask<string>(new Ignore(), AskTimeout, cancellation.Token);
        RunUntilIdleIfDeterministic();
        await cancellation.CancelAsync();

        Assert.True(Sys.WaitDeterministically(task, RealWait));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    private sealed record Ignore;

    private sealed record FailWith(string Reason);

    private sealed record ReplyLater;

    private sealed record Now;

    private sealed class Responder : ReceiveActor
    {
        private IActorRef? _pending;

        public Responder()
        {
            Receive<Ignore>(_ => { });
            Receive<FailWith>(f => Sender.Tell(new Status.Failure(new InvalidOperationException(f.Reason))));
            Receive<ReplyLater>(_ => _pending = Sender);
            Receive<Now>(_ => _pending?.Tell("late"));
            ReceiveAny(m => Sender.Tell(m));
        }
    }
}
