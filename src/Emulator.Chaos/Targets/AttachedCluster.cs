using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Emulator.Chaos.Experiments;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;
using Emulator.Management;

namespace Emulator.Chaos.Targets;

/// <summary>The cluster of an experiment cannot be reached or refused a fault; the message says which and why.</summary>
public sealed class ChaosTargetException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A running cluster (<c>emulator up</c>, or the members of a multi-process cluster): faults and observations go through
/// the members' console endpoints, the workload and the write ledger through the Kubernetes API (server-side apply), and
/// time passes on the cluster's own clock. Not replayable: the wall clock and the machine decide the interleavings.
/// </summary>
public sealed class AttachedCluster : IChaosTarget
{
    private const string FieldManager = "emulator-chaos";
    private const string LedgerName = "chaos-ledger";
    /// <summary>How long a restarted member may take until its console answers again.</summary>
    private static readonly TimeSpan RestartTimeout = TimeSpan.FromSeconds(90);

    private readonly ConsoleClient[] _consoles;
    private readonly HttpClient _api;
    private readonly Dictionary<string, MemberProcess> _killed = new(StringComparer.Ordinal);

    private AttachedCluster(IReadOnlyList<ConsoleClient> consoles, HttpClient api)
    {
        _consoles = [.. consoles];
        _api = api;
    }

    /// <inheritdoc />
    public bool IsReplayable => false;

    /// <summary>Connects to every console of <paramref name="cluster"/> and checks its API answers.</summary>
    public static async Task<AttachedCluster> ConnectAsync(ClusterSpec cluster)
    {
        var consoles = new List<ConsoleClient>();
        var api = new HttpClient { BaseAddress = cluster.Api, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            foreach (var address in cluster.Consoles)
            {
                try
                {
                    consoles.Add(await ConsoleClient.ConnectAsync(address));
                }
                catch (SocketException e)
                {
                    throw new ChaosTargetException($"cannot reach the console at {address}: {e.Message} (is the member running with --console-port?)", e);
                }
            }
            try
            {
                using var version = await api.GetAsync("/version");
                version.EnsureSuccessStatusCode();
            }
            catch (HttpRequestException e)
            {
                throw new ChaosTargetException($"cannot reach the Kubernetes API at {cluster.Api}: {e.Message}", e);
            }
            return new AttachedCluster(consoles, api);
        }
        catch
        {
            consoles.ForEach(c => c.Dispose());
            api.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset> NowAsync()
    {
        var (now, _) = await TimeAsync();
        return now;
    }

    private async Task<(DateTimeOffset Now, double Scale)> TimeAsync()
    {
        var row = (await Run(0, "time", "show")).Values.FirstOrDefault() is JsonArray { Count: > 0 } rows ? rows[0] as JsonObject : null;
        if (row?["now"]?.GetValue<string>() is not { } now || !double.TryParse(row["scale"]?.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var scale))
        {
            throw new ChaosTargetException($"the console at {_consoles[0].Address} did not say what time it is");
        }
        // Paused time never lets the experiment's steps pass.
        return (DateTimeOffset.Parse(now, CultureInfo.InvariantCulture), row["state"]?.GetValue<string>() == "paused" ? 0 : scale);
    }

    /// <inheritdoc />
    public async Task AdvanceAsync(TimeSpan by)
    {
        var (_, scale) = await TimeAsync();
        if (scale <= 0)
        {
            throw new ChaosTargetException("the cluster's emulated time is paused (pbm time resume)");
        }
        await Task.Delay(by / scale);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ApplyAsync(string manifest)
    {
        var lines = new List<string>();
        foreach (var obj in ManifestReader.ReadObjects(manifest).OrderBy(o => o.Kind == "Namespace" ? 0 : 1))
        {
            if (!KindRegistry.Default.TryResolve(obj.ApiVersion, obj.Kind, out var kind))
            {
                throw new ChaosTargetException($"no matches for kind \"{obj.Kind}\" in version \"{obj.ApiVersion}\"");
            }
            var ns = kind.Namespaced ? obj.Namespace ?? "default" : null;
            await Apply(kind, ns, obj.Name!, obj.Document);
            lines.Add($"{kind.Kind.ToLowerInvariant()}{(kind.Group.Length > 0 ? "." + kind.Group : "")}/{obj.Name} serverside-applied");
        }
        return lines;
    }

    // Server-side apply creates or updates in one request, with the experiment as the field manager.
    private async Task<JsonObject> Apply(KindInfo kind, string? ns, string name, JsonObject document)
    {
        var prefix = kind.Group.Length == 0 ? $"/api/{kind.Version}" : $"/apis/{kind.Group}/{kind.Version}";
        var path = $"{prefix}{(ns is null ? "" : $"/namespaces/{ns}")}/{kind.Resource}/{Uri.EscapeDataString(name)}?fieldManager={FieldManager}&force=true";
        using var request = new HttpRequestMessage(HttpMethod.Patch, path) { Content = new StringContent(document.ToJsonString(), Encoding.UTF8, "application/apply-patch+yaml") };
        using var response = await _api.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            var message = (JsonNode.Parse(body) as JsonObject)?["message"]?.GetValue<string>() ?? response.ReasonPhrase;
            throw new ChaosTargetException($"{kind.Kind.ToLowerInvariant()} {name}: {message}");
        }
        return JsonNode.Parse(body) as JsonObject ?? [];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JsonObject>> ListAsync(string resource) =>
        (await Run(0, "k8s", "objects", resource)).Values.FirstOrDefault() is JsonArray items ? items.OfType<JsonObject>().ToArray() : [];

    /// <inheritdoc />
    public async Task<long?> WriteLedgerAsync(long value)
    {
        var configMaps = KindRegistry.Default.FindByResource("", "configmaps")!;
        var ledger = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = LedgerName, ["namespace"] = "default" },
            ["data"] = new JsonObject { ["value"] = value.ToString(CultureInfo.InvariantCulture) },
        };
        try
        {
            var written = await Apply(configMaps, "default", LedgerName, ledger);
            return long.Parse(written["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is ChaosTargetException or HttpRequestException or TaskCanceledException)
        {
            // Not acknowledged (a fail-over in progress): the write may or may not land, and neither breaks the invariant.
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<(long Value, long ResourceVersion)?> ReadLedgerAsync()
    {
        try
        {
            using var response = await _api.GetAsync($"/api/v1/namespaces/default/configmaps/{LedgerName}");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
            response.EnsureSuccessStatusCode();
            var ledger = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            return (long.Parse(ledger["data"]!["value"]!.GetValue<string>(), CultureInfo.InvariantCulture),
                long.Parse(ledger["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new ChaosTargetException($"cannot read the ledger: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> FindActorsAsync(string pattern, int member) =>
        (await Run(member, "actor", "find", pattern)).Values.FirstOrDefault() is JsonArray rows
            ? rows.Select(r => r?["path"]?.GetValue<string>()).OfType<string>().ToArray()
            : [];

    /// <inheritdoc />
    public async Task KillActorAsync(string path, bool stop, int member) => await Run(member, "actor", stop ? "stop" : "kill", path);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> NodesAsync(int member) =>
        (await Run(member, "node", "list")).Values.FirstOrDefault() is JsonArray rows
            ? rows.Select(r => r?["name"]?.GetValue<string>()).OfType<string>().ToArray()
            : [];

    /// <inheritdoc />
    public async Task SetNodeRunningAsync(string name, bool running, int member) => await Run(member, "node", running ? "start" : "stop", name);

    /// <inheritdoc />
    public async Task SetPartitionedAsync(string address, bool cut, int member) => await Run(member, "remote", cut ? "blackhole" : "restore", address);

    /// <inheritdoc />
    public async Task SetLinkLossAsync(string address, double probability, int member) => await (probability > 0
        ? Run(member, "remote", "drop", address, "--probability", probability.ToString("R", CultureInfo.InvariantCulture))
        : Run(member, "remote", "restore", address));

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChaosProcess>> ProcessesAsync(int member)
    {
        var info = await ProcessInfoAsync(member);
        IReadOnlyList<string> nodes;
        try
        {
            nodes = await NodesAsync(member);
        }
        catch (ChaosTargetException)
        {
            // A member that hosts no nodes has no node palette.
            nodes = [];
        }
        return [new ChaosProcess(info.Name, nodes, true)];
    }

    /// <inheritdoc />
    /// <remarks>
    /// The member's console says which process it is (<c>process info</c>: its id, host and start time). On this machine
    /// the runner SIGKILLs it, once the process of that id here is seen to have started when the member did (a process
    /// id alone may have been reused, or belong to another machine of the same name). On another machine the member is
    /// told to SIGKILL itself (<c>process kill</c>), and the runner waits until its console is gone.
    /// </remarks>
    public async Task KillProcessAsync(string name, int member)
    {
        var info = await ProcessInfoAsync(member);
        var console = _consoles[member].Address;
        if (info.Name != name)
        {
            throw new ChaosTargetException($"the console at {console} is the member {info.Name}, not {name}");
        }
        if (!string.Equals(info.Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
        {
            await Run(member, "process", "kill");
            await WaitUntilGoneAsync(member, name);
            _killed[name] = info;
            return;
        }
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.GetProcessById(info.Pid);
        }
        catch (ArgumentException e)
        {
            throw new ChaosTargetException($"the member {name} (console {console}) says it is process {info.Pid}, but no process {info.Pid} runs on this host", e);
        }
        using (process)
        {
            var started = process.StartTime.ToUniversalTime();
            if ((started - info.Started.UtcDateTime).Duration() > TimeSpan.FromSeconds(1))
            {
                throw new ChaosTargetException($"process {info.Pid} on this host started at {ConsoleOutput.Time(started)}, the member {name} at {ConsoleOutput.Time(info.Started)}: not the member, nothing killed");
            }
            // Process.Kill is SIGKILL on Unix (TerminateProcess on Windows): no shutdown hook runs.
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync();
        }
        _killed[name] = info;
    }

    /// <inheritdoc />
    /// <remarks>
    /// The member is started again as it was started: the command line and working directory its console reported
    /// before the kill (<c>process info</c>), with this runner's environment, detached from the runner (it outlives the
    /// experiment) and its output appended to a log file in the temporary directory. A console port of 0 becomes the
    /// port the console had, so the experiment reaches the member at the same address; other ports of 0 are picked
    /// afresh. Done once the console answers as a new process.
    /// </remarks>
    public async Task RestartProcessAsync(string name, int member)
    {
        if (!_killed.Remove(name, out var killed))
        {
            throw new ChaosTargetException($"the member {name} was not killed by this experiment: nothing to start again");
        }
        if (!string.Equals(killed.Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
        {
            // Another machine's member is started again by what supervises it there (a container's restart policy,
            // systemd): the runner waits for its console to answer as a new process.
            await WaitForNewProcessAsync(member, name, killed, $"it runs on host {killed.Host}, where the experiment cannot start it: whatever supervises it there (a container's restart policy) did not bring it back");
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            throw new ChaosTargetException($"starting the member {name} again needs a POSIX shell: an attached cluster's kill-process has no for on Windows");
        }
        var address = _consoles[member].Address;
        IReadOnlyList<string> command;
        try
        {
            command = ShellWords.Split(killed.Command);
        }
        catch (FormatException e)
        {
            throw new ChaosTargetException($"the member {name} reported a command line that cannot be read back: {e.Message}", e);
        }
        if (command.Count == 0 || command[0].Length == 0)
        {
            throw new ChaosTargetException($"the member {name} did not report its command line (process info): it cannot be started again");
        }
        var log = Path.Combine(Path.GetTempPath(), $"emulator-{string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'))}-{killed.Pid}.log");
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = killed.Directory };
        // The shell points the member's output at the log and replaces itself with it: nothing of the runner stays open in it.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(log);
        foreach (var argument in WithConsolePort(command, address[(address.LastIndexOf(':') + 1)..]))
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using var started = System.Diagnostics.Process.Start(start) ?? throw new ChaosTargetException($"the member {name} could not be started again");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ChaosTargetException($"the member {name} could not be started again: {e.Message}", e);
        }
        await WaitForNewProcessAsync(member, name, killed, $"started again, it did not answer (its output: {log})");
    }

    /// <summary>Waits until the console of <paramref name="member"/>, told to kill its process, no longer answers.</summary>
    private async Task WaitUntilGoneAsync(int member, string name)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await ProcessInfoAsync(member);
            }
            catch (ChaosTargetException)
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new ChaosTargetException($"the member {name} was told to kill its process (process kill), but its console at {_consoles[member].Address} still answers");
    }

    /// <summary>Waits until the console of <paramref name="member"/> answers as a process other than <paramref name="killed"/>.</summary>
    private async Task WaitForNewProcessAsync(int member, string name, MemberProcess killed, string failure)
    {
        var address = _consoles[member].Address;
        var deadline = DateTime.UtcNow + RestartTimeout;
        while (true)
        {
            try
            {
                var console = await ConsoleClient.ConnectAsync(address);
                var previous = _consoles[member];
                _consoles[member] = console;
                previous.Dispose();
                if ((await ProcessInfoAsync(member)).Pid != killed.Pid)
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or ChaosTargetException or IOException)
            {
                // Not listening yet (or the old process's console, not yet gone).
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new ChaosTargetException($"the member {name} did not answer at {address} within {RestartTimeout.TotalSeconds:0} s: {failure}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The arguments with <c>--console-port 0</c> (or <c>=0</c>) replaced by <paramref name="port"/>.</summary>
    private static IEnumerable<string> WithConsolePort(IReadOnlyList<string> command, string port)
    {
        for (var i = 0; i < command.Count; i++)
        {
            if (command[i] == "--console-port" && i + 1 < command.Count && command[i + 1] == "0")
            {
                yield return command[i];
                yield return port;
                i++;
            }
            else
            {
                yield return command[i] == "--console-port=0" ? "--console-port=" + port : command[i];
            }
        }
    }

    /// <inheritdoc />
    public async Task SetJournalDelayAsync(TimeSpan delay, int member) =>
        await Run(member, "persistence", "delay", delay == TimeSpan.Zero ? "off" : ((long)Math.Ceiling(delay.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms");

    private sealed record MemberProcess(string Name, int Pid, string Host, DateTimeOffset Started, string Command, string Directory);

    private async Task<MemberProcess> ProcessInfoAsync(int member)
    {
        var row = (await Run(member, "process", "info")).Values.FirstOrDefault() is JsonArray { Count: > 0 } rows ? rows[0] as JsonObject : null;
        if (row?["pid"]?.GetValue<string>() is not { } pidText || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || row["host"]?.GetValue<string>() is not { } host
            || !DateTimeOffset.TryParse(row["started"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started))
        {
            throw new ChaosTargetException($"the console at {_consoles[member].Address} did not say which process it is (process info)");
        }
        var address = row["address"]?.GetValue<string>() is { } a && a != "-" ? a : $"pid {pidText}";
        return new MemberProcess(address, pid, host, started, row["command"]?.GetValue<string>() ?? "", row["directory"]?.GetValue<string>() ?? Environment.CurrentDirectory);
    }

    private async Task<ConsoleAnswer> Run(int member, params string[] args)
    {
        ConsoleAnswer answer;
        try
        {
            answer = await _consoles[member].RunAsync(args);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new ChaosTargetException($"the console at {_consoles[member].Address} went away during \"{string.Join(' ', args)}\": {e.Message}", e);
        }
        if (answer.Exit != 0)
        {
            throw new ChaosTargetException($"{_consoles[member].Address}: {string.Join(' ', args)}: {string.Join("; ", answer.Errors)}");
        }
        return answer;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        foreach (var console in _consoles)
        {
            console.Dispose();
        }
        _api.Dispose();
        return ValueTask.CompletedTask;
    }
}
