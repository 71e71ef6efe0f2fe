namespace Emulator.Actors;

/// <summary>
/// The address of an actor system: <c>emu://system</c> for a local system,
/// <c>emu://system@host:port</c> once the system is reachable over a transport.
/// </summary>
public sealed record Address(string Protocol, string System, string? Host = null, int? Port = null)
{
    /// <summary>The protocol used by every emulator actor path.</summary>
    public const string DefaultProtocol = "emu";

    /// <summary>True when the address carries no host and port.</summary>
    public bool IsLocal => Host is null;

    /// <inheritdoc />
    public override string ToString() =>
        Host is null ? $"{Protocol}://{System}" : $"{Protocol}://{System}@{Host}:{Port}";
}
