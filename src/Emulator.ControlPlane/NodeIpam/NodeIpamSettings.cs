using System.Net;
using Akka.Configuration;

namespace Emulator.ControlPlane.NodeIpam;

/// <summary>
/// kube-controller-manager's node IPAM flags (<c>emulator.node-ipam</c>): <c>--allocate-node-cidrs</c>,
/// <c>--cluster-cidr</c> and <c>--node-cidr-mask-size</c> (kind's and kubeadm's 10.244.0.0/16 and /24).
/// </summary>
/// <param name="AllocateNodeCidrs">Whether the controller gives each Node a pod CIDR.</param>
/// <param name="ClusterCidr">The IPv4 range pod CIDRs are cut from.</param>
/// <param name="NodeCidrMaskSize">The prefix length of each node's pod CIDR.</param>
public sealed record NodeIpamSettings(bool AllocateNodeCidrs = true, string ClusterCidr = "10.244.0.0/16", int NodeCidrMaskSize = 24)
{
    /// <summary>The settings under <c>emulator.node-ipam</c> of <paramref name="config"/> (defaults where absent).</summary>
    public static NodeIpamSettings From(Config config)
    {
        var section = config.GetConfig("emulator.node-ipam");
        if (section is null || section.IsEmpty)
        {
            return new NodeIpamSettings();
        }
        var settings = new NodeIpamSettings(
            section.GetBoolean("allocate-node-cidrs", true),
            section.GetString("cluster-cidr", "10.244.0.0/16"),
            section.GetInt("node-cidr-mask-size", 24));
        _ = settings.Range();
        return settings;
    }

    /// <summary>
    /// How many nodes can get a pod CIDR: 2^(mask size - cluster prefix), 256 with the defaults. Pods of the nodes past
    /// that wait (CIDRNotAvailable), as on a real cluster.
    /// </summary>
    public int NodeCapacity => 1 << (NodeCidrMaskSize - Range().Prefix);

    /// <summary>The cluster CIDR's first address and prefix length, checked against the mask size.</summary>
    public (uint Base, int Prefix) Range()
    {
        var slash = ClusterCidr.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(ClusterCidr[..slash], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(ClusterCidr[(slash + 1)..], out var prefix) || prefix is < 0 or > 32)
        {
            throw new ConfigurationException($"emulator.node-ipam.cluster-cidr must be an IPv4 CIDR, not '{ClusterCidr}'");
        }
        // kube-controller-manager refuses a node mask not longer than the cluster's, and more than 2^16 node ranges.
        if (NodeCidrMaskSize <= prefix || NodeCidrMaskSize > 32 || NodeCidrMaskSize - prefix > 16)
        {
            throw new ConfigurationException($"emulator.node-ipam.node-cidr-mask-size ({NodeCidrMaskSize}) must be longer than the cluster CIDR's prefix (/{prefix}) by at most 16 bits");
        }
        var bytes = ip.GetAddressBytes();
        var value = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return (value & mask, prefix);
    }
}
