using System.Net;
using System.Net.Sockets;
using Akka.Configuration;

namespace Emulator.ControlPlane.LoadBalancer;

/// <summary>
/// The load-balancer controller's address pool (<c>emulator.load-balancer</c>), as a MetalLB <c>IPAddressPool</c>
/// describes one: named, with IPv4 ranges (<c>A-B</c>) or CIDRs, every address of which may be handed out.
/// </summary>
/// <param name="Enabled">Whether the controller assigns addresses at all (off: EXTERNAL-IP stays pending).</param>
/// <param name="PoolName">The pool's name.</param>
/// <param name="Addresses">The pool's ranges and CIDRs.</param>
/// <param name="LoadBalancerClass">The <c>spec.loadBalancerClass</c> the controller answers besides none.</param>
public sealed record LoadBalancerSettings(bool Enabled, string PoolName, IReadOnlyList<string> Addresses, string LoadBalancerClass)
{
    /// <summary>The emulator's own load-balancer class.</summary>
    public const string DefaultClass = "emulator.k8s.io/load-balancer";

    /// <summary>The default pool: MetalLB's kind guide range of kind's docker network.</summary>
    public static LoadBalancerSettings Default { get; } = new(true, "default", ["172.18.255.200-172.18.255.250"], DefaultClass);

    /// <summary>The settings under <c>emulator.load-balancer</c> of <paramref name="config"/> (defaults where absent).</summary>
    /// <exception cref="ConfigurationException">When an address range is malformed.</exception>
    public static LoadBalancerSettings From(Config config)
    {
        var section = config.GetConfig("emulator.load-balancer");
        if (section is null || section.IsEmpty)
        {
            return Default;
        }
        var addresses = section.HasPath("addresses") ? section.GetStringList("addresses").ToList() : [.. Default.Addresses];
        var settings = new LoadBalancerSettings(
            section.GetBoolean("enabled", true),
            section.GetString("pool-name", Default.PoolName),
            addresses,
            section.GetString("load-balancer-class", DefaultClass));
        _ = settings.Ranges();
        return settings;
    }

    /// <summary>The pool's ranges as first and last address (inclusive), in the order given.</summary>
    /// <exception cref="ConfigurationException">When a range is not an IPv4 <c>A-B</c> or CIDR.</exception>
    public IReadOnlyList<(uint First, uint Last)> Ranges()
    {
        var ranges = new List<(uint, uint)>();
        foreach (var entry in Addresses)
        {
            var text = entry.Trim();
            var dash = text.IndexOf('-');
            var slash = text.IndexOf('/');
            if (dash > 0 && Parse(text[..dash].Trim()) is { } first && Parse(text[(dash + 1)..].Trim()) is { } last && first <= last)
            {
                ranges.Add((first, last));
            }
            else if (slash > 0 && Parse(text[..slash]) is { } network && int.TryParse(text[(slash + 1)..], out var prefix) && prefix is >= 0 and <= 32)
            {
                var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
                ranges.Add((network & mask, (network & mask) | ~mask));
            }
            else
            {
                throw new ConfigurationException($"emulator.load-balancer.addresses: '{entry}' is not an IPv4 range (A-B) or CIDR");
            }
        }
        return ranges;
    }

    /// <summary>An IPv4 address as a number, or null.</summary>
    public static uint? Parse(string text)
    {
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') != 3)
        {
            return null;
        }
        var b = ip.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    /// <summary>A number as an IPv4 address.</summary>
    public static string Format(uint value) => new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
}
