namespace Emulator.Management;

/// <summary>One command of a palette: its name, how it is called and what it does (for <c>help</c>).</summary>
public sealed record ConsoleCommandInfo(string Name, string Usage, string Description);

/// <summary>
/// A group of console commands under one name, as Petabridge.Cmd groups them (<c>cluster</c>, <c>actor</c>, <c>log</c>,
/// <c>persistence</c>) beside the emulator's own (<c>node</c>, <c>k8s</c>, <c>time</c>).
/// </summary>
public abstract class Palette
{
    /// <summary>The palette's name, the first word of its commands.</summary>
    public abstract string Name { get; }

    /// <summary>One line on what the palette is for.</summary>
    public abstract string Description { get; }

    /// <summary>The palette's commands.</summary>
    public abstract IReadOnlyList<ConsoleCommandInfo> Commands { get; }

    /// <summary>
    /// Runs <paramref name="command"/> with <paramref name="arguments"/>; returns the exit status. Throws
    /// <see cref="ConsoleUsageException"/> for bad arguments and <see cref="ConsoleCommandException"/> when it fails.
    /// A streaming command runs until <paramref name="cancellationToken"/> fires (the caller went away).
    /// </summary>
    public abstract Task<int> RunAsync(string command, CommandArguments arguments, ConsoleOutput output, CancellationToken cancellationToken);

    /// <summary>Completions of the argument being typed (<paramref name="partial"/>) after <paramref name="command"/>; none by default.</summary>
    public virtual IEnumerable<string> Complete(string command, string partial) => [];
}
