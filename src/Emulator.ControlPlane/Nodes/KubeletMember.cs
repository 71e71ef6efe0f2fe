namespace Emulator.ControlPlane.Nodes;

/// <summary>
/// Where a node's kubelet runs: its agent records the Akka address of the member (process) that hosts it in this
/// annotation of the Node, as a real kubelet publishes its address and port in <c>status.addresses</c> and
/// <c>status.daemonEndpoints</c>, so an API server in another process can reach it.
/// </summary>
public static class KubeletMember
{
    /// <summary>The Node annotation holding the hosting member's address (<c>akka.trttl.gremlin.tcp://emulator@127.0.0.1:25521</c>).</summary>
    public const string Annotation = "emulator.k8s.io/kubelet-member";
}
