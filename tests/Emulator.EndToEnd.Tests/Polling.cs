using System.Diagnostics;

namespace Emulator.EndToEnd.Tests;

/// <summary>Waiting for a cluster to reach a state, as a user would: run a probe (kubectl, HTTP) until its output says so.</summary>
internal static class Polling
{
    /// <summary>How long a wait lasts unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="probe"/> until <paramref name="done"/> holds for its output (sleeping only between tries)
    /// and returns that output; fails with the last output after <paramref name="timeout"/> (default a minute).
    /// </summary>
    public static async Task<string> Eventually(string what, Func<Task<string>> probe, Func<string, bool> done, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < (timeout ?? DefaultTimeout))
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"timed out after {clock.Elapsed.TotalSeconds:F0}s waiting for {what}; last seen:\n{last}");
        return last;
    }
}
