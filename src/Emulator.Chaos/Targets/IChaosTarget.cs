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

    /// <summary>Cuts (or restores) the link between <paramref name="member"/> and the member at <paramref name="address"/>.</summary>
    Task SetPartitionedAsync(string address, bool cut, int member);
}
