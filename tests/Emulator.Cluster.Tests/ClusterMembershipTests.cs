using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Emulator.Runtime;

namespace Emulator.Cluster.Tests;

/// <summary>
/// A member that listens on one address and is reached by another name (a container listening on 0.0.0.0 and reached
/// by its service name): it gives that name as its address, and a member that joins by that name forms a cluster with it.
/// </summary>
public sealed class ClusterMembershipTests
{
    [Fact]
    public async Task A_member_reached_by_a_name_other_than_its_bind_address_is_joined_by_that_name()
    {
        var port = FreePort();
        // Listens on 127.0.0.1, advertised as "localhost" (the service name of a container).
        var first = ActorSystem.Create(ClusterMembership.SystemName, new ClusterMembership([ClusterRoles.ControlPlane], "localhost", port, BindAddress: "127.0.0.1").ToConfig(1.0).WithFallback(RuntimeConfig.Defaults));
        var second = ActorSystem.Create(ClusterMembership.SystemName, new ClusterMembership([ClusterRoles.Worker], "127.0.0.1", 0, [$"localhost:{port}"]).ToConfig(1.0).WithFallback(RuntimeConfig.Defaults));
        try
        {
            Assert.Equal("localhost", Akka.Cluster.Cluster.Get(first).SelfAddress.Host);
            Assert.Equal(port, Akka.Cluster.Cluster.Get(first).SelfAddress.Port);
            // The second is Up only once the first, the leader, has taken it in.
            var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Akka.Cluster.Cluster.Get(second).RegisterOnMemberUp(() => joined.TrySetResult());
            Akka.Cluster.Cluster.Get(first).Join(Akka.Cluster.Cluster.Get(first).SelfAddress);
            Akka.Cluster.Cluster.Get(second).JoinSeedNodes([Address.Parse($"{ClusterMembership.Protocol}://{ClusterMembership.SystemName}@localhost:{port}")]);
            await joined.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains(Akka.Cluster.Cluster.Get(second).State.Members, m => m.Address.Host == "localhost" && m.Address.Port == port && m.HasRole(ClusterRoles.ControlPlane));
        }
        finally
        {
            await Task.WhenAll(CoordinatedShutdown.Get(second).Run(CoordinatedShutdown.ClrExitReason.Instance), CoordinatedShutdown.Get(first).Run(CoordinatedShutdown.ClrExitReason.Instance));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
