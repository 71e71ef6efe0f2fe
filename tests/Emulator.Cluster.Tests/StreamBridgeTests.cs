using Akka.Actor;
using Akka.Configuration;
using Emulator.ControlPlane.Nodes;
using Emulator.Runtime;
using Emulator.Runtime.Persistence;

namespace Emulator.Cluster.Tests;

/// <summary>
/// The two ends of an exec or port-forward between processes (<see cref="StreamBridge"/>), with every message
/// serialized as it is between members: data beyond the window waits for acknowledgements and arrives whole and in
/// order; an end whose other end dies ends the client's stream with an error.
/// </summary>
public sealed class StreamBridgeTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config SerializeEverything = ConfigurationFactory.ParseString("""
        akka.actor.serialize-messages = on
        akka.loglevel = WARNING
        """).WithFallback(ClusterMessages.Serialization).WithFallback(JournalSettings.InMemory()).WithFallback(RuntimeConfig.Defaults);

    public StreamBridgeTests()
        : base(SerializeEverything, "stream-bridge")
    {
    }

    private static OpenContainerStream Exec(IActorRef client) => new("n1", "default", "web", "nginx", ["cat"], true, true, false, false, client);

    [Fact]
    public void Output_beyond_the_window_waits_for_acknowledgements_and_arrives_whole_in_order()
    {
        var peer = CreateTestProbe();
        var nodes = CreateTestProbe();
        var session = CreateTestProbe();
        var far = Sys.ActorOf(StreamBridge.Far(new BridgeOpen(Exec(peer.Ref), null), peer.Ref, nodes.Ref));
        Watch(far);
        Assert.Equal(far, nodes.ExpectMsg<OpenContainerStream>().Client);
        far.Tell(new ContainerStreamOpened(session.Ref), nodes.Ref);
        var opened = peer.ExpectMsg<BridgeFrame>();
        Assert.Equal(1, opened.Seq);
        Assert.IsType<ContainerStreamOpened>(opened.Message);

        var data = new byte[1024 * 1024];
        new Random(7).NextBytes(data);
        far.Tell(new ContainerOutput(1, data), session.Ref);
        var received = new MemoryStream();
        var expected = 2L;
        var batches = 0;
        while (received.Length < data.Length)
        {
            // What the window lets through, then nothing until the other end acknowledges.
            var batch = new List<BridgeFrame>();
            while (peer.ReceiveOne(TimeSpan.FromMilliseconds(300)) is BridgeFrame frame)
            {
                batch.Add(frame);
            }
            Assert.NotEmpty(batch);
            Assert.True(batch.Sum(f => ((ContainerOutput)f.Message).Data.Length) <= StreamBridge.Window, $"{batch.Count} frames in flight");
            foreach (var frame in batch)
            {
                Assert.Equal(expected++, frame.Seq);
                var chunk = ((ContainerOutput)frame.Message).Data;
                Assert.True(chunk.Length <= StreamBridge.ChunkSize);
                received.Write(chunk);
            }
            far.Tell(new BridgeAck(batch[^1].Seq), peer.Ref);
            batches++;
        }
        Assert.Equal(data, received.ToArray());
        Assert.True(batches >= 4, $"1 MiB went in {batches} windows");

        // The end goes after the data, and the far end stops once the other end has it.
        far.Tell(new ContainerStreamEnded(0), session.Ref);
        var last = peer.ExpectMsg<BridgeFrame>();
        Assert.Equal(new ContainerStreamEnded(0), last.Message);
        peer.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        far.Tell(new BridgeAck(last.Seq), peer.Ref);
        ExpectTerminated(far);
    }

    [Fact]
    public void The_near_end_ends_the_clients_stream_with_an_error_when_the_far_end_dies()
    {
        var host = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Forwarder(host.Ref)), "kubelets");
        var relay = CreateTestProbe();
        var self = ((ExtendedActorSystem)Sys).Provider.DefaultAddress.ToString();
        var near = Sys.ActorOf(StreamBridge.NearStream(Exec(relay.Ref), TestActor, self, TimeSpan.FromSeconds(10)));
        var open = host.ExpectMsg<BridgeOpen>();
        Assert.Equal(near, open.Stream!.Client);

        var far = CreateTestProbe();
        far.Send(near, new BridgeFrame(1, new ContainerStreamOpened(far.Ref)));
        Assert.Equal(near, ExpectMsg<ContainerStreamOpened>().Session);
        Assert.Equal(1, far.ExpectMsg<BridgeAck>().Seq);
        far.Send(near, new BridgeFrame(2, new ContainerOutput(1, [104, 105, 10])));
        Assert.Equal([104, 105, 10], relay.ExpectMsg<ContainerOutput>().Data);

        // Stdin goes to the far end as numbered frames.
        near.Tell(new ContainerStdin([1, 2, 3]), relay.Ref);
        Assert.Equal(2, far.ExpectMsg<BridgeAck>().Seq);
        var stdin = far.ExpectMsg<BridgeFrame>();
        Assert.Equal(1, stdin.Seq);
        Assert.Equal([1, 2, 3], ((ContainerStdin)stdin.Message).Data);

        Watch(near);
        Sys.Stop(far.Ref);
        var ended = relay.ExpectMsg<ContainerStreamEnded>();
        Assert.Null(ended.ExitCode);
        Assert.Equal("lost the connection to the kubelet of node n1", ended.Error);
        ExpectTerminated(near);
    }

    [Fact]
    public void A_member_that_does_not_answer_refuses_the_stream_after_the_open_timeout()
    {
        var relay = CreateTestProbe();
        var near = Sys.ActorOf(StreamBridge.NearStream(Exec(relay.Ref), TestActor, "akka://stream-bridge", TimeSpan.FromMilliseconds(300)));
        Watch(near);
        var refused = ExpectMsg<ContainerStreamRefused>();
        Assert.Equal(503, refused.Error.Code);
        Assert.Equal("the kubelet of node n1 at akka://stream-bridge did not answer", refused.Error.Message);
        ExpectTerminated(near);
    }

    private sealed class Forwarder(IActorRef to) : UntypedActor
    {
        protected override void OnReceive(object message) => to.Forward(message);
    }
}
