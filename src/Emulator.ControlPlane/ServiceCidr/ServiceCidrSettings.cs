using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Configuration;

namespace Emulator.ControlPlane.ServiceCidr;

/// <summary>
/// kube-apiserver's <c>--service-cluster-ip-range</c> (<c>emulator.services.cluster-ip-range</c>): the IPv4 range
/// cluster IPs are allocated from (kubeadm's and kind's 10.96.0.0/12 by default). Its first address is the
/// <c>kubernetes</c> Service's, its tenth the cluster DNS Service's (kubeadm's <c>clusterDNS</c>).
/// </summary>
/// <param name="ClusterIpRange">The range, as a CIDR.</param>
public sealed record ServiceCidrSettings(string ClusterIpRange = ServiceCidrSettings.DefaultRange)
{
    /// <summary>The default range.</summary>
    public const string DefaultRange = "10.96.0.0/12";

    /// <summary>The defaults.</summary>
    public static ServiceCidrSettings Default { get; } = new();

    /// <summary>The settings under <c>emulator.services</c> of <paramref name="config"/> (defaults where absent).</summary>
    /// <exception cref="ConfigurationException">When the range is not an IPv4 CIDR of /12 to /28.</exception>
    public static ServiceCidrSettings From(Config config)
    {
        var range = config.GetString("emulator.services.cluster-ip-range", DefaultRange);
        if (range == DefaultRange)
        {
            return Default;
        }
        var settings = new ServiceCidrSettings(range);
        _ = settings.Range;
        return settings;
    }

    /// <summary>The range's first address (its network address) and size.</summary>
    /// <exception cref="ConfigurationException">When the range is not an IPv4 CIDR of /12 to /28.</exception>
    public (uint Base, uint Size) Range
    {
        get
        {
            var slash = ClusterIpRange.IndexOf('/');
            if (slash < 0 || !IPAddress.TryParse(ClusterIpRange[..slash], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
                || !int.TryParse(ClusterIpRange[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
            {
                throw new ConfigurationException($"emulator.services.cluster-ip-range must be an IPv4 CIDR, not '{ClusterIpRange}'");
            }
            // kube-apiserver refuses a range wider than 20 bits; the DNS Service's tenth address needs /28 at least.
            if (prefix is < 12 or > 28)
            {
                throw new ConfigurationException($"emulator.services.cluster-ip-range {ClusterIpRange}: the prefix must be from /12 to /28");
            }
            var bytes = ip.GetAddressBytes();
            var value = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
            // Host bits are dropped, as Go's net.ParseCIDR drops them for the flag.
            var mask = uint.MaxValue << (32 - prefix);
            return (value & mask, 1u << (32 - prefix));
        }
    }

    /// <summary>The range as the API server prints it.</summary>
    public string Cidr => $"{Address(Range.Base)}/{32 - System.Numerics.BitOperations.Log2(Range.Size)}";

    /// <summary>The <c>kubernetes</c> Service's address: the first of the range.</summary>
    public string KubernetesServiceIp => Address(Range.Base + 1);

    /// <summary>The cluster DNS Service's address: the tenth of the range.</summary>
    public string DnsServiceIp => Address(Range.Base + 10);

    /// <summary>Whether <paramref name="ip"/> is in the range.</summary>
    public bool Contains(IPAddress ip)
    {
        if (ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        var bytes = ip.GetAddressBytes();
        var value = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        var (first, size) = Range;
        return value - first < size;
    }

    /// <summary>A number as an IPv4 address.</summary>
    public static string Address(uint value) => new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
}
