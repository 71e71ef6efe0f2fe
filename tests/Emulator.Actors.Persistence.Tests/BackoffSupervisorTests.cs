using Emulator.Actors.Persistence.Backoff;

namespace Emulator.Actors.Persistence.Tests;

public sealed class BackoffSupervisorTests : PersistenceTestKit
{
    private sealed class Child(IActorRef probe) : UntypedActor
    {
        protected override void PreStart() => probe.Tell("started", Self);

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case "stop":
                    Context.Stop(Self);
                    break;
                case "throw":
                    throw new InvalidOperationException("child failed");
                default:
                    probe.Tell(message, Sender);
                    break;
            }
        }
    }

    private IActorRef StartSupervisor(BackoffMode mode)
    {
        var options = new BackoffOptions(Props.Create(() => new Child(TestActor)), "child", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), 0, mode)
        {
            ResetBackoffAfter = TimeSpan.FromSeconds(30),
        };
        return Sys.ActorOf(BackoffSupervisor.Props(options), "supervisor");
    }

    [Fact]
    public void Restarts_a_stopped_child_after_exponentially_growing_delays()
    {
        var supervisor = StartSupervisor(BackoffMode.OnStop);
        ExpectMsg("started");
        var delays = new List<int>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            supervisor.Tell("stop", TestActor);
            RunUntilIdleIfDeterministic();
            var waited = 0;
            while (ReceiveOne(TimeSpan.Zero) is null)
            {
                Advance(TimeSpan.FromMilliseconds(500));
                waited += 500;
            }
            delays.Add(waited);
        }
        Assert.Equal([1000, 2000, 4000, 8000, 8000], delays);
    }

    [Fact]
    public void Forwards_messages_to_the_child_and_reports_it()
    {
        var supervisor = StartSupervisor(BackoffMode.OnStop);
        ExpectMsg("started");
        supervisor.Tell("hello", TestActor);
        ExpectMsg("hello");
        supervisor.Tell(BackoffSupervisor.GetCurrentChild.Instance, TestActor);
        Assert.Equal("child", ExpectMsg<BackoffSupervisor.CurrentChild>().Ref!.Path.Name);
    }

    [Fact]
    public void Restart_count_resets_after_the_child_ran_long_enough()
    {
        var supervisor = StartSupervisor(BackoffMode.OnStop);
        ExpectMsg("started");
        supervisor.Tell("stop", TestActor);
        RunUntilIdleIfDeterministic();
        Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("started");
        supervisor.Tell(BackoffSupervisor.GetRestartCount.Instance, TestActor);
        Assert.Equal(1, ExpectMsg<BackoffSupervisor.RestartCount>().Count);
        Advance(TimeSpan.FromSeconds(30));
        supervisor.Tell(BackoffSupervisor.GetRestartCount.Instance, TestActor);
        Assert.Equal(0, ExpectMsg<BackoffSupervisor.RestartCount>().Count);
    }

    [Fact]
    public void On_failure_mode_restarts_failed_children_and_stops_with_a_stopping_child()
    {
        var supervisor = StartSupervisor(BackoffMode.OnFailure);
        ExpectMsg("started");
        EventFilter.Exception<InvalidOperationException>().Expect(1, () => supervisor.Tell("throw", TestActor));
        ExpectNoMsg();
        Advance(TimeSpan.FromSeconds(1));
        ExpectMsg("started");
        Watch(supervisor);
        supervisor.Tell("stop", TestActor);
        ExpectTerminated(supervisor);
    }
}
