using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

public sealed class SmokeTests : TestKitBase
{
    private sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            Receive<string>(s => Sender.Tell(s));
        }
    }

    [Fact]
    public void Echo_replies_in_deterministic_mode()
    {
        var echo = ActorOf(() => new Echo(), "echo");
        echo.Tell("hello", TestActor);
        ExpectMsg("hello");
        Assert.Equal("emu://test/user/echo", echo.Path.ToString());
    }

    [Fact]
    public void Echo_replies_on_thread_pool()
    {
        using var kit = new ThreadPoolKit();
        var echo = kit.ActorOf(() => new Echo(), "echo");
        for (var i = 0; i < 100; i++)
        {
            echo.Tell(i.ToString(), kit.TestActor);
        }
        for (var i = 0; i < 100; i++)
        {
            kit.ExpectMsg(i.ToString());
        }
    }

    private sealed class ThreadPoolKit() : TestKitBase(ActorSystemSettings.Default with { Time = TimeMode.Virtual });
}
