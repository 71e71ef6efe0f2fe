using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Actor;

namespace Emulator.Management;

/// <summary>
/// A member's address as people type it: <c>HOST:PORT</c>, or the full Akka address. Members are told apart by host
/// and port only, so an address typed with the plain <c>akka.tcp</c> protocol still finds a member whose transport
/// adds adapters to it (<c>akka.trttl.gremlin.tcp</c>).
/// </summary>
public static partial class MemberAddress
{
    /// <summary>Parses <paramref name="text"/>; a bare <c>HOST:PORT</c> takes the protocol and system of <paramref name="self"/>.</summary>
    /// <exception cref="ConsoleUsageException"><paramref name="text"/> is neither.</exception>
    public static Address Parse(string text, Address self)
    {
        if (HostPort().Match(text) is { Success: true } match && int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
        {
            return new Address(self.Protocol, self.System, match.Groups[1].Value.Trim('[', ']'), port);
        }
        if (text.Contains("://", StringComparison.Ordinal))
        {
            try
            {
                if (Address.Parse(text) is { Host: not null, Port: > 0 } address)
                {
                    return address;
                }
            }
            catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
            {
            }
        }
        throw new ConsoleUsageException($"ADDRESS must be HOST:PORT (e.g. 127.0.0.1:4053) or a full address ({self.Protocol}://{self.System}@127.0.0.1:4053), got \"{text}\"");
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> are the same host and port, whatever their protocol.</summary>
    public static bool SameEndpoint(Address a, Address b) =>
        string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    /// <summary><c>HOST:PORT</c> of <paramref name="address"/>.</summary>
    public static string Endpoint(Address address) => $"{address.Host}:{address.Port}";

    [GeneratedRegex(@"^(\[[0-9a-fA-F:.]+\]|[^\s:/@\[\]]+):(\d{1,5})$")]
    private static partial Regex HostPort();
}
