using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of the networking.k8s.io/v1 address kinds that went GA in 1.33: IPAddress (named after the address it
/// records) and ServiceCIDR (the ranges Service cluster IPs come from).
/// </summary>
public static class NetworkAddressValidation
{
    private const string CidrExample = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    /// <summary>
    /// <c>ValidateIPAddressName</c>: the name parses as an IP address (Go's <c>netip.ParseAddr</c>) and is written as
    /// that address prints itself.
    /// </summary>
    public static List<string> IPAddressNameErrors(string name)
    {
        if (!TryParseAddress(name, out var address))
        {
            return [$"ParseAddr(\"{name}\"): unable to parse IP"];
        }
        return Canonical(address) == name ? [] : ["must be a canonical format IP address"];
    }

    /// <summary>IPAddress: a parent reference naming a resource and an object.</summary>
    public static void ValidateIPAddress(KubeObject obj, List<FieldError> errors)
    {
        if (obj.Spec?["parentRef"] is not JsonObject parent)
        {
            errors.Add(FieldError.Required("spec.parentRef"));
            return;
        }
        const string Path = "spec.parentRef";
        if (JsonTree.GetString(parent, "group") is { Length: > 0 } group)
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(group))
            {
                errors.Add(FieldError.Invalid(Path + ".group", group, message));
            }
        }
        var resource = JsonTree.GetString(parent, "resource") ?? "";
        if (resource.Length == 0)
        {
            errors.Add(FieldError.Required(Path + ".resource"));
        }
        if (JsonTree.GetString(parent, "namespace") is { Length: > 0 } ns)
        {
            foreach (var message in NameSyntax.IsDns1123Label(ns))
            {
                errors.Add(FieldError.Invalid(Path + ".namespace", ns, message));
            }
        }
        if (string.IsNullOrEmpty(JsonTree.GetString(parent, "name")))
        {
            errors.Add(FieldError.Required(Path + ".name"));
        }
    }

    /// <summary>IPAddress updates: the parent reference is immutable.</summary>
    public static void ValidateIPAddressUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        if (!JsonTree.DeepEquals(updated.Spec?["parentRef"], old.Spec?["parentRef"]))
        {
            errors.Add(FieldError.Invalid("spec.parentRef", updated.Spec?["parentRef"], "field is immutable"));
        }
    }

    /// <summary>ServiceCIDR: one or two CIDRs, at most one per IP family.</summary>
    public static void ValidateServiceCidr(KubeObject obj, List<FieldError> errors)
    {
        var cidrs = obj.Spec?["cidrs"] as JsonArray;
        if (cidrs is null || cidrs.Count == 0)
        {
            errors.Add(FieldError.Required("spec.cidrs", "at least one CIDR required"));
            return;
        }
        if (cidrs.Count > 2)
        {
            errors.Add(FieldError.Invalid("spec.cidrs", cidrs, "may only hold up to 2 values"));
            return;
        }
        var families = new List<AddressFamily>();
        for (var i = 0; i < cidrs.Count; i++)
        {
            var text = JsonTree.AsString(cidrs[i]) ?? "";
            if (ParseCidr(text) is not { } network)
            {
                errors.Add(FieldError.Invalid($"spec.cidrs[{i}]", text, CidrExample));
                continue;
            }
            if (families.Contains(network.BaseAddress.AddressFamily))
            {
                errors.Add(FieldError.Invalid("spec.cidrs", cidrs, "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64"));
            }
            families.Add(network.BaseAddress.AddressFamily);
        }
    }

    /// <summary>ServiceCIDR updates: the ranges are immutable.</summary>
    public static void ValidateServiceCidrUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        if (!JsonTree.DeepEquals(updated.Spec?["cidrs"], old.Spec?["cidrs"]))
        {
            errors.Add(FieldError.Invalid("spec.cidrs", updated.Spec?["cidrs"], "field is immutable"));
        }
    }

    /// <summary>An address as Go's <c>netip.Addr.String</c> prints it (IPv6 compressed, lower case).</summary>
    private static string Canonical(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? "::ffff:" + address.MapToIPv4() : address.ToString();

    private static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        // netip.ParseAddr takes dotted quads and RFC 4291 text only: no brackets, ports, zones of IPv4, leading zeros.
        if (text.Length == 0 || text.Contains('/', StringComparison.Ordinal) || text.Contains('[', StringComparison.Ordinal)
            || text.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }
        if (!text.Contains(':', StringComparison.Ordinal) && (text.Split('.').Length != 4 || text.Split('.').Any(o => o.Length == 0 || (o.Length > 1 && o[0] == '0'))))
        {
            return false;
        }
        return IPAddress.TryParse(text, out address!);
    }

    /// <summary>A CIDR in Go's <c>netip.ParsePrefix</c> form (the address need not be the network's first).</summary>
    private static IPNetwork? ParseCidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !TryParseAddress(text[..slash], out var address) || !int.TryParse(text[(slash + 1)..], out var prefix)
            || prefix < 0 || prefix > (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) || text[(slash + 1)..].StartsWith('+'))
        {
            return null;
        }
        return new IPNetwork(Masked(address, prefix), prefix);
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return new IPAddress(bytes);
    }
}
