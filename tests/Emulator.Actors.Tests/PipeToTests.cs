using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>PipeTo: a task's outcome becomes a message to an actor.</summary>
public sealed class PipeToTests : TestKitBase
{
    [Fact]
    public void PipeTo_delivers_the_result_of_a_successful_task()
    {
        var source = new TaskCompletionSource<int>();

        _ = source.Task.PipeTo(TestActor);
        ExpectNoMsg();
        source.SetResult(42);

        ExpectMsg(42);
    }

    [Fact]
    public void PipeTo_delivers_Status_Failure_with_the_cause_of_a_failed_task()
    {
        var source = new TaskCompletionSource<int>();
        var cause = new InvalidOperationException("broken");

        _ = source.Task.PipeTo(TestActor);
        source.SetException(cause);

        Assert.Same(cause, ExpectMsg<Status.Failure>().Cause);
    }

    [Fact]
    public void PipeTo_of_a_cancelled_task_delivers_Status_Failure_with_a_cancellation()
    {
        var source = new TaskCompletionSource<int>();

        _ = source.Task.PipeTo(TestActor);
        source.SetCanceled();

        Assert.IsType<TaskCanceledException>(ExpectMsg<Status.Failure>().Cause);
    }

    [Fact]
    public void PipeTo_of_a_plain_task_delivers_Status_Success()
    {
        var source = new TaskCompletionSource();

        _ = source.Task.PipeTo(TestActor);
        source.SetResult();

        ExpectMsg<Status.Success>();
    }

    [Fact]
    public void PipeTo_maps_success_and_failure_with_the_given_functions()
    {
        var ok = new TaskCompletionSource<int>();
        var failed = new TaskCompletionSource<int>();

        _ = ok.Task.PipeTo(TestActor, success: n => $"ok {n}", failure: e => $"failed {e.Message}");
        _ = failed.Task.PipeTo(TestActor, success: n => $"ok {n}", failure: e => $"failed {e.Message}");
        ok.SetResult(7);
        ExpectMsg("ok 7");
        failed.SetException(new TimeoutException("slow"));
        ExpectMsg("failed slow");
    }

    [Fact]
    public void PipeTo_inside_an_actor_uses_the_actor_as_sender_by_default()
    {
        var source = new TaskCompletionSource<string>();
        var actor = ActorOf(() => new Piper(source.Task, TestActor), "piper");

        actor.Tell("pipe");
        RunUntilIdleIfDeterministic();
        source.SetResult("done");

        ExpectMsg("done");
        Assert.Equal(actor, LastSender);
    }

    [Fact]
    public void PipeTo_with_an_explicit_sender_uses_it()
    {
        var source = new TaskCompletionSource<string>();
        var probe = CreateTestProbe();

        _ = source.Task.PipeTo(TestActor, probe.Ref);
        source.SetResult("done");

        ExpectMsg("done");
        Assert.Equal(probe.Ref, LastSender);
    }

    private sealed class Piper : ReceiveActor
    {
        public Piper(Task<string> task, IActorRef target)
        {
            Receive<string>(_ => task.PipeTo(target));
        }
    }
}
