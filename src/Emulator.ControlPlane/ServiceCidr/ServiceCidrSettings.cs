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
public sealed record ServiceCidrSettings
{
    /// <summary>The default range.</summary>
    public const string DefaultRange = "10.96.0.0/12";

    /// <summary>Reads <paramref name="clusterIpRange"/>, a CIDR.</summary>
    /// <exception cref="ConfigurationException">When the range is not an IPv4 CIDR of /12 to /28.</exception>
    public ServiceCidrSettings(string clusterIpRange = DefaultRange)
    {
        var slash = clusterIpRange.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(clusterIpRange[..slash], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(clusterIpRange[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            throw new ConfigurationException($"emulator.services.cluster-ip-range must be an IPv4 CIDR, not '{clusterIpRange}'");
        }
        // kube-apiserver refuses a range wider than 20 bits; the DNS Service's tenth address needs /28 at least.
        if (prefix is < 12 or > 28)
        {
            throw new ConfigurationException($"emulator.services.cluster-ip-range {clusterIpRange}: the prefix must be from /12 to /28");
        }
        // Host bits are dropped, as Go's net.ParseCIDR drops them for the flag.
        Range = (Number(ip) & (uint.MaxValue << (32 - prefix)), 1u << (32 - prefix));
        Cidr = $"{Address(Range.Base)}/{prefix.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The defaults.</summary>
    public static ServiceCidrSettings Default { get; } = new();

    /// <summary>The range's first address (its network address) and size.</summary>
    public (uint Base, uint Size) Range { get; }

    /// <summary>The range as the API server prints it.</summary>
    public string Cidr { get; }

    /// <summary>The <c>kubernetes</c> Service's address: the first of the range.</summary>
    public string KubernetesServiceIp => Address(Range.Base + 1);

    /// <summary>The cluster DNS Service's address: the tenth of the range.</summary>
    public string DnsServiceIp => Address(Range.Base + 10);

    /// <summary>The settings under <c>emulator.services</c> of <paramref name="config"/> (defaults where absent).</summary>
    /// <exception cref="ConfigurationException">When the range is not an IPv4 CIDR of /12 to /28.</exception>
    public static ServiceCidrSettings From(Config config)
    {
        var range = config.GetString("emulator.services.cluster-ip-range", DefaultRange);
        return range == DefaultRange ? Default : new ServiceCidrSettings(range);
    }

    /// <summary>Whether <paramref name="ip"/> is in the range.</summary>
    public bool Contains(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork && Number(ip) - Range.Base < Range.Size;

    /// <summary>A number as an IPv4 address.</summary>
    public static string Address(uint value) => new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();

    private static uint Number(IPAddress ip)
    {
        var bytes = ip.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }
}
