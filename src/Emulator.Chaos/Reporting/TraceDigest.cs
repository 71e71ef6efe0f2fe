using System.Security.Cryptography;
using System.Text;
using Emulator.Chaos.Invariants;

namespace Emulator.Chaos.Reporting;

/// <summary>
/// The fingerprint of a run: every fault (when, what, where) and every version of every observed object (resource,
/// namespace, name, resourceVersion, phase, node) at each step, hashed with SHA-256. Two runs with the same digest made
/// the same choices and saw the same cluster at every step.
/// </summary>
public sealed class TraceDigest : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Adds a fault.</summary>
    public void Fault(TimeSpan elapsed, string action, string target) => Add($"F {elapsed.Ticks} {action} {target}");

    /// <summary>Adds what one observation saw.</summary>
    public void Observed(Observation observation)
    {
        foreach (var resource in Invariants.Observation.Resources)
        {
            foreach (var obj in observation[resource].OrderBy(o => ObjectState.Namespace(o), StringComparer.Ordinal).ThenBy(ObjectState.Name, StringComparer.Ordinal))
            {
                Add($"O {observation.Elapsed.Ticks} {resource} {ObjectState.Namespace(obj)}/{ObjectState.Name(obj)} {ObjectState.ResourceVersion(obj)} {obj["status"]?["phase"]} {obj["spec"]?["nodeName"]}");
            }
        }
    }

    private void Add(string line) => _hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));

    /// <summary>The digest so far, as lower-case hex.</summary>
    public string Hex() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();
}
