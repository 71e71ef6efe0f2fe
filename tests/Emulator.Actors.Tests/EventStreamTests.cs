using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>The event stream: subscriptions by type (and base type or interface), unsubscription, handlers.</summary>
public sealed class EventStreamTests : TestKitBase
{
    [Fact]
    public void A_subscriber_receives_events_of_its_type_and_no_others()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Dog));

        Sys.EventStream.Publish(new Cat("tom"));
        Sys.EventStream.Publish(new Dog("rex"));

        ExpectMsg(new Dog("rex"));
        ExpectNoMsg();
    }

    [Fact]
    public void A_subscriber_to_a_base_type_receives_events_of_its_subtypes()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Animal));

        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish(new Cat("tom"));
        Sys.EventStream.Publish("not an animal");

        ExpectMsg(new Dog("rex"));
        ExpectMsg(new Cat("tom"));
        ExpectNoMsg();
    }

    [Fact]
    public void A_subscriber_to_an_interface_receives_events_that_implement_it()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(ILoud));

        Sys.EventStream.Publish(new Cat("tom"));
        Sys.EventStream.Publish(new Dog("rex"));

        ExpectMsg(new Dog("rex"));
        ExpectNoMsg();
    }

    [Fact]
    public void Subscribing_twice_to_the_same_channel_delivers_once()
    {
        Assert.True(Sys.EventStream.Subscribe(TestActor, typeof(Dog)));
        Assert.False(Sys.EventStream.Subscribe(TestActor, typeof(Dog)));

        Sys.EventStream.Publish(new Dog("rex"));

        ExpectMsg(new Dog("rex"));
        ExpectNoMsg();
    }

    [Fact]
    public void Unsubscribing_from_a_channel_stops_its_events_only()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Dog));
        Sys.EventStream.Subscribe(TestActor, typeof(Cat));

        Assert.True(Sys.EventStream.Unsubscribe(TestActor, typeof(Dog)));
        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish(new Cat("tom"));

        ExpectMsg(new Cat("tom"));
        ExpectNoMsg();
    }

    [Fact]
    public void Unsubscribing_from_everything_stops_all_events()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Dog));
        Sys.EventStream.Subscribe(TestActor, typeof(Cat));

        Assert.True(Sys.EventStream.Unsubscribe(TestActor));
        Assert.False(Sys.EventStream.Unsubscribe(TestActor));
        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish(new Cat("tom"));

        ExpectNoMsg();
    }

    [Fact]
    public void A_stopped_subscriber_is_removed_and_gets_no_dead_letters()
    {
        var subscriber = ActorOf(() => new Sink(), "sink");
        Sys.EventStream.Subscribe(subscriber, typeof(Dog));
        Watch(subscriber);
        Sys.Stop(subscriber);
        ExpectTerminated(subscriber);

        EventFilter.DeadLetter<Dog>().Expect(0, () => Sys.EventStream.Publish(new Dog("rex")));
        Assert.False(Sys.EventStream.Unsubscribe(subscriber));
    }

    [Fact]
    public void A_handler_subscription_is_called_synchronously_until_disposed()
    {
        var seen = new List<Animal>();
        var subscription = Sys.EventStream.Subscribe<Animal>(seen.Add);

        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish("ignored");
        Assert.Equal([new Dog("rex")], seen);

        subscription.Dispose();
        Sys.EventStream.Publish(new Cat("tom"));
        Assert.Equal([new Dog("rex")], seen);
    }

    [Fact]
    public void An_actor_publishing_reaches_subscribers_without_a_sender()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(Cat));
        var publisher = ActorOf(() => new Publisher(), "publisher");

        publisher.Tell(new Cat("tom"));

        ExpectMsg(new Cat("tom"));
        Assert.Equal(Sys.DeadLetters, LastSender);
    }

    private interface ILoud;

    private abstract record Animal(string Name);

    private sealed record Dog(string Name) : Animal(Name), ILoud;

    private sealed record Cat(string Name) : Animal(Name);

    private sealed class Sink : ReceiveActor
    {
        public Sink()
        {
            ReceiveAny(_ => { });
        }
    }

    private sealed class Publisher : ReceiveActor
    {
        public Publisher()
        {
            ReceiveAny(m => Context.System.EventStream.Publish(m));
        }
    }
}
