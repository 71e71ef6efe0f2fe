namespace Emulator.Kubernetes.Kinds;

/// <summary>Which name syntax the API server enforces on <c>metadata.name</c> for a kind.</summary>
public enum NameRule
{
    /// <summary>RFC 1123 subdomain: at most 253 characters of <c>[a-z0-9-.]</c>, alphanumeric at both ends.</summary>
    Dns1123Subdomain,

    /// <summary>RFC 1123 label: at most 63 characters of <c>[a-z0-9-]</c>, alphanumeric at both ends.</summary>
    Dns1123Label,

    /// <summary>RFC 1035 label: an RFC 1123 label that starts with a letter.</summary>
    Dns1035Label,

    /// <summary>A path segment (RBAC kinds): anything but <c>.</c> and <c>..</c>, without <c>/</c> or <c>%</c>.</summary>
    PathSegment,

    /// <summary>An IP address in canonical form (networking.k8s.io IPAddress objects are named after their address).</summary>
    IPAddress,
}
