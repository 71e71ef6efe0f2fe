using Akka.Actor;
using Akka.Persistence;
using Emulator.Runtime.Persistence;
using Emulator.TestKit;

namespace Emulator.Runtime.Tests.Persistence;

/// <summary>
/// The delayable journal on virtual time: a write is acknowledged only once its delay has passed on emulated time, it
/// is durable before that (a writer killed while it waits recovers it), and without a delay writes pass straight on.
/// </summary>
public sealed class DelayableJournalTests : EmulatorTestKit
{
    public DelayableJournalTests()
        : base(JournalSettings.Delayable(JournalSettings.InMemory()))
    {
    }

    /// <summary>Persists each string it is sent and answers <c>ack:VALUE</c> from the persist handler; <c>state</c> lists what it holds.</summary>
    private sealed class Recorder(string id) : PersistentActor
    {
        private readonly List<string> _values = [];

        public override string PersistenceId => id;

        protected override bool ReceiveCommand(object message)
        {
            switch (message)
            {
                case "state":
                    Sender.Tell(string.Join(",", _values));
                    return true;
                case string value:
                    Persist(value, v =>
                    {
                        _values.Add(v);
                        Sender.Tell("ack:" + v);
                    });
                    return true;
                default:
                    return false;
            }
        }

        protected override bool ReceiveRecover(object message)
        {
            if (message is string value)
            {
                _values.Add(value);
            }
            return true;
        }
    }

    private IActorRef Start(string id)
    {
        var recorder = Sys.ActorOf(Props.Create(() => new Recorder(id)));
        Settle();
        return recorder;
    }

    [Fact]
    public void The_journal_is_the_delayable_one_wrapping_the_configured_plugin()
    {
        var delay = JournalDelay.Get(Sys);
        Assert.True(delay.Installed);
        Assert.Equal("akka.persistence.journal.inmem", delay.InnerPlugin);
        Assert.Equal(TimeSpan.Zero, delay.Delay);
    }

    [Fact]
    public void A_write_is_acknowledged_only_after_the_delay_on_emulated_time()
    {
        var recorder = Start("delayed");
        JournalDelay.Get(Sys).Delay = TimeSpan.FromMilliseconds(500);
        recorder.Tell("a", TestActor);
        Settle();
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromMilliseconds(499));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Advance(TimeSpan.FromMilliseconds(1));
        ExpectMsg("ack:a");

        JournalDelay.Get(Sys).Delay = TimeSpan.Zero;
        recorder.Tell("b", TestActor);
        Settle();
        ExpectMsg("ack:b");
        recorder.Tell("state", TestActor);
        Settle();
        ExpectMsg("a,b");
    }

    [Fact]
    public void A_write_waiting_for_its_acknowledgement_is_already_durable()
    {
        var recorder = Start("killed");
        JournalDelay.Get(Sys).Delay = TimeSpan.FromSeconds(5);
        recorder.Tell("unacknowledged", TestActor);
        Settle();
        Watch(recorder);
        Sys.Stop(recorder);
        Settle();
        ExpectTerminated(recorder);
        Advance(TimeSpan.FromSeconds(5));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        JournalDelay.Get(Sys).Delay = TimeSpan.Zero;
        var again = Start("killed");
        again.Tell("state", TestActor);
        Settle();
        ExpectMsg("unacknowledged");
    }
}
