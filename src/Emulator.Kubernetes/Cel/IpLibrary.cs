using System.Net;
using System.Net.Sockets;
using Cel;

namespace Emulator.Kubernetes.Cel;

/// <summary>
/// Kubernetes' IP and CIDR libraries: <c>ip(string)</c>, <c>isIP</c>, <c>ip.isCanonical</c>, family, isUnspecified,
/// isLoopback, isLinkLocalMulticast, isLinkLocalUnicast, isGlobalUnicast; <c>cidr(string)</c>, <c>isCIDR</c>,
/// containsIP, containsCIDR, ip, prefixLength and masked; <c>string()</c> of both. As in Kubernetes, zones and
/// IPv4-mapped IPv6 addresses are refused.
/// </summary>
public static class IpLibrary
{
    /// <summary>An IP address value.</summary>
    public sealed record IpValue(IPAddress Address)
    {
        /// <inheritdoc />
        public override string ToString() => Address.ToString();
    }

    /// <summary>A CIDR value: the address as written and its prefix length.</summary>
    public sealed record CidrValue(IPAddress Address, int PrefixLength)
    {
        /// <summary>The network address (host bits cleared).</summary>
        public IPAddress Network => Mask(Address, PrefixLength);

        /// <summary>True when <paramref name="ip"/> is in the range.</summary>
        public bool Contains(IPAddress ip) => ip.AddressFamily == Address.AddressFamily && Mask(ip, PrefixLength).Equals(Network);

        /// <inheritdoc />
        public override string ToString() => $"{Address}/{PrefixLength}";
    }

    /// <summary>The <c>ip</c> namespace of <c>ip.isCanonical()</c>.</summary>
    public sealed class IpNamespace
    {
        /// <summary>The single instance.</summary>
        public static IpNamespace Instance { get; } = new();
    }

    /// <summary>Registers the library.</summary>
    public static void Register(CelRegistry registry)
    {
        registry.Add<string>("ip", s => ParseIp(s) is { } ip ? new IpValue(ip) : throw new CelArgumentRangeException($"IP Address \"{s}\" parse error during conversion from string: ParseAddr(\"{s}\"): unable to parse IP"));
        registry.Add<string>("isIP", s => ParseIp(s) is not null);
        registry.Add<IpNamespace, string>("isCanonical", (_, s) => ParseIp(s) is { } ip ? ip.ToString() == s : throw new CelArgumentRangeException($"IP Address \"{s}\" parse error during conversion from string: ParseAddr(\"{s}\"): unable to parse IP"));
        registry.Add<IpValue>("family", ip => ip.Address.AddressFamily == AddressFamily.InterNetwork ? 4L : 6L);
        registry.Add<IpValue>("isUnspecified", ip => ip.Address.Equals(IPAddress.Any) || ip.Address.Equals(IPAddress.IPv6Any));
        registry.Add<IpValue>("isLoopback", ip => IPAddress.IsLoopback(ip.Address));
        registry.Add<IpValue>("isLinkLocalMulticast", ip => IsLinkLocalMulticast(ip.Address));
        registry.Add<IpValue>("isLinkLocalUnicast", ip => IsLinkLocalUnicast(ip.Address));
        registry.Add<IpValue>("isGlobalUnicast", ip => IsGlobalUnicast(ip.Address));
        registry.Add<IpValue>("string", ip => ip.ToString());
        registry.Add<string>("cidr", s => ParseCidr(s) ?? throw new CelArgumentRangeException($"network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix(\"{s}\"): invalid"));
        registry.Add<string>("isCIDR", s => ParseCidr(s) is not null);
        registry.Add<CidrValue, IpValue>("containsIP", (c, ip) => c.Contains(ip.Address));
        registry.Add<CidrValue, string>("containsIP", (c, s) => ParseIp(s) is { } ip ? c.Contains(ip) : throw new CelArgumentRangeException($"IP Address \"{s}\" parse error during conversion from string"));
        registry.Add<CidrValue, CidrValue>("containsCIDR", (c, other) => other.PrefixLength >= c.PrefixLength && c.Contains(other.Address));
        registry.Add<CidrValue, string>("containsCIDR", (c, s) => ParseCidr(s) is { } other ? other.PrefixLength >= c.PrefixLength && c.Contains(other.Address) : throw new CelArgumentRangeException($"network address \"{s}\" parse error during conversion from string"));
        registry.Add<CidrValue>("ip", c => new IpValue(c.Address));
        registry.Add<CidrValue>("prefixLength", c => (long)c.PrefixLength);
        registry.Add<CidrValue>("masked", c => new CidrValue(c.Network, c.PrefixLength));
        registry.Add<CidrValue>("string", c => c.ToString());
    }

    /// <summary>An IPv4 or IPv6 address without a zone, not IPv4-mapped; null otherwise.</summary>
    public static IPAddress? ParseIp(string s)
    {
        if (s.Contains('%') || s.Contains('/') || !IPAddress.TryParse(s, out var ip))
        {
            return null;
        }
        if (ip.AddressFamily == AddressFamily.InterNetwork && (s.Split('.').Length != 4 || s.Split('.').Any(p => p.Length == 0 || p.Length > 1 && p[0] == '0')))
        {
            // Go's netip accepts only dotted quads without leading zeros.
            return null;
        }
        return ip.IsIPv4MappedToIPv6 ? null : ip;
    }

    /// <summary>A CIDR (address/prefix length), or null.</summary>
    public static CidrValue? ParseCidr(string s)
    {
        var slash = s.IndexOf('/');
        if (slash < 0 || ParseIp(s[..slash]) is not { } ip || !int.TryParse(s[(slash + 1)..], System.Globalization.NumberStyles.None, null, out var prefix))
        {
            return null;
        }
        var bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        return prefix > bits || s[(slash + 1)..].Length > 1 && s[slash + 1] == '0' ? null : new CidrValue(ip, prefix);
    }

    private static IPAddress Mask(IPAddress ip, int prefix)
    {
        var bytes = ip.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }

    private static bool IsLinkLocalMulticast(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork
        ? ip.GetAddressBytes() is [224, 0, 0, _]
        : ip.GetAddressBytes() is [0xff, var scope, ..] && (scope & 0x0f) == 0x02;

    private static bool IsLinkLocalUnicast(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork
        ? ip.GetAddressBytes() is [169, 254, _, _]
        : ip.IsIPv6LinkLocal;

    private static bool IsGlobalUnicast(IPAddress ip)
    {
        var bytes = ip.GetAddressBytes();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            return !ip.Equals(IPAddress.Broadcast) && !ip.Equals(IPAddress.Any) && bytes[0] != 127 && bytes[0] < 224 && !(bytes[0] == 169 && bytes[1] == 254);
        }
        return !ip.Equals(IPAddress.IPv6Any) && !IPAddress.IsLoopback(ip) && bytes[0] != 0xff && !ip.IsIPv6LinkLocal;
    }
}
