using System.Text.Json.Nodes;

namespace Emulator.Chaos.Targets;

/// <summary>
/// The cluster an experiment runs against: a virtual one started in this process, or a running one reached through its
/// consoles. Faults and observations go through these operations only, so every experiment runs on either.
/// </summary>
public interface IChaosTarget : IAsyncDisposable
{
    /// <summary>True when the run is replayable (virtual time, seeded dispatcher).</summary>
    bool IsReplayable { get; }

    /// <summary>The cluster's emulated time now.</summary>
    Task<DateTimeOffset> NowAsync();

    /// <summary>Lets <paramref name="by"/> of emulated time pass (virtual: advances it; attached: waits for it).</summary>
    Task AdvanceAsync(TimeSpan by);

    /// <summary>Creates or replaces every object of <paramref name="manifest"/>; returns a kubectl-style line per object.</summary>
    Task<IReadOnlyList<string>> ApplyAsync(string manifest);

    /// <summary>The stored objects of <paramref name="resource"/> (plural, e.g. <c>pods</c>), every namespace.</summary>
    Task<IReadOnlyList<JsonObject>> ListAsync(string resource);

    /// <summary>Writes <paramref name="value"/> into the experiment's ledger ConfigMap; returns the acknowledged resourceVersion, or null if the write was not acknowledged.</summary>
    Task<long?> WriteLedgerAsync(long value);

    /// <summary>The ledger's value and resourceVersion as stored now (null: no ledger).</summary>
    Task<(long Value, long ResourceVersion)?> ReadLedgerAsync();

    /// <summary>Paths of the live actors that match <paramref name="pattern"/> on <paramref name="member"/>.</summary>
    Task<IReadOnlyList<string>> FindActorsAsync(string pattern, int member);

    /// <summary>Sends <c>Kill</c> (or a stop) to the actor at <paramref name="path"/> on <paramref name="member"/>.</summary>
    Task KillActorAsync(string path, bool stop, int member);

    /// <summary>The emulated nodes hosted by <paramref name="member"/>, running or not.</summary>
    Task<IReadOnlyList<string>> NodesAsync(int member);

    /// <summary>Stops (or starts again) the emulated node <paramref name="name"/> on <paramref name="member"/>.</summary>
    Task SetNodeRunningAsync(string name, bool running, int member);

    /// <summary>
    /// The processes a <c>kill-process</c> fault may kill: a virtual cluster's workers, or the member whose console is
    /// <paramref name="member"/> of an attached cluster.
    /// </summary>
    Task<IReadOnlyList<ChaosProcess>> ProcessesAsync(int member);

    /// <summary>Kills the process <paramref name="name"/> at once (SIGKILL, or its emulation): nothing of it shuts down gracefully.</summary>
    Task KillProcessAsync(string name, int member);

    /// <summary>Starts the killed process <paramref name="name"/> again, as its restart with the same names would.</summary>
    Task RestartProcessAsync(string name, int member);

    /// <summary>Makes the journal of <paramref name="member"/> acknowledge each write <paramref name="delay"/> after it arrives (zero: at once).</summary>
    Task SetJournalDelayAsync(TimeSpan delay, int member);

    /// <summary>Cuts (or restores) the link between <paramref name="member"/> and the member at <paramref name="address"/>.</summary>
    Task SetPartitionedAsync(string address, bool cut, int member);

    /// <summary>
    /// Makes the link between <paramref name="member"/> and the member at <paramref name="address"/> lose each message
    /// with <paramref name="probability"/> (0 restores it).
    /// </summary>
    Task SetLinkLossAsync(string address, double probability, int member);
}

/// <summary>A process a <c>kill-process</c> fault may kill.</summary>
/// <param name="Name">How experiments name it: a virtual worker's name, or an attached member's cluster address (<c>HOST:PORT</c>).</param>
/// <param name="Nodes">The emulated nodes it hosts.</param>
/// <param name="Running">False once killed (and not started again).</param>
public sealed record ChaosProcess(string Name, IReadOnlyList<string> Nodes, bool Running);
