using System.Globalization;
using System.Text.Json.Nodes;

namespace Emulator.Api.Printing;

/// <summary>The READY, STATUS and RESTARTS cells of a pod, computed as kubectl's pod printer does.</summary>
public static class PodStatus
{
    /// <summary><c>ready/total</c> containers.</summary>
    public static string Ready(JsonObject pod)
    {
        var total = (pod["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var ready = Statuses(pod, "containerStatuses").Count(c => c["ready"]?.GetValue<bool>() == true && c["state"]?["running"] is not null);
        return $"{ready}/{total}";
    }

    /// <summary>The STATUS column: init progress, the first waiting/terminated reason, Terminating, or the phase.</summary>
    public static string Reason(JsonObject pod)
    {
        var status = pod["status"];
        var reason = Columns.S(status, "reason") ?? Columns.S(status, "phase") ?? "Pending";
        var initStatuses = Statuses(pod, "initContainerStatuses").ToArray();
        var initTotal = (pod["spec"]?["initContainers"] as JsonArray)?.Count ?? 0;
        var initializing = false;
        for (var i = 0; i < initStatuses.Length; i++)
        {
            var c = initStatuses[i];
            var terminated = c["state"]?["terminated"];
            var waiting = c["state"]?["waiting"];
            if (terminated is not null && Columns.I(terminated, "exitCode") == 0)
            {
                continue;
            }
            initializing = true;
            if (terminated is not null)
            {
                reason = "Init:" + (Columns.S(terminated, "reason") ?? (Columns.I(terminated, "signal") != 0
                    ? $"Signal:{Columns.I(terminated, "signal")}"
                    : $"ExitCode:{Columns.I(terminated, "exitCode")}"));
            }
            else if (Columns.S(waiting, "reason") is { Length: > 0 } w && w != "PodInitializing")
            {
                reason = "Init:" + w;
            }
            else
            {
                reason = $"Init:{i}/{initTotal}";
            }
            break;
        }
        if (!initializing)
        {
            var hasRunning = false;
            foreach (var c in Statuses(pod, "containerStatuses").Reverse())
            {
                var state = c["state"];
                if (Columns.S(state?["waiting"], "reason") is { Length: > 0 } waiting)
                {
                    reason = waiting;
                }
                else if (state?["terminated"] is { } terminated)
                {
                    reason = Columns.S(terminated, "reason") ?? (Columns.I(terminated, "signal") != 0
                        ? $"Signal:{Columns.I(terminated, "signal")}"
                        : $"ExitCode:{Columns.I(terminated, "exitCode")}");
                }
                else if (c["ready"]?.GetValue<bool>() == true && state?["running"] is not null)
                {
                    hasRunning = true;
                }
            }
            if (reason == "Completed" && hasRunning)
            {
                var podReady = (status?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => Columns.S(c, "type") == "Ready" && Columns.S(c, "status") == "True") == true;
                reason = podReady ? "Running" : "NotReady";
            }
        }
        if (pod["metadata"]?["deletionTimestamp"] is not null)
        {
            reason = Columns.S(status, "reason") == "NodeLost" ? "Unknown" : "Terminating";
        }
        return reason;
    }

    /// <summary><c>3 (5m ago)</c>, or <c>0</c>.</summary>
    public static string Restarts(JsonObject pod, DateTimeOffset now)
    {
        var restarts = 0;
        DateTimeOffset? last = null;
        foreach (var c in Statuses(pod, "containerStatuses").Concat(Statuses(pod, "initContainerStatuses")))
        {
            restarts += Columns.I(c, "restartCount");
            if (Columns.S(c["lastState"]?["terminated"], "finishedAt") is { } finished)
            {
                var at = DateTimeOffset.Parse(finished, CultureInfo.InvariantCulture);
                if (last is null || at > last)
                {
                    last = at;
                }
            }
        }
        return restarts > 0 && last is { } l ? $"{restarts} ({HumanDuration.Format(now - l)} ago)" : restarts.ToString(CultureInfo.InvariantCulture);
    }

    private static IEnumerable<JsonObject> Statuses(JsonObject pod, string field) =>
        (pod["status"]?[field] as JsonArray)?.OfType<JsonObject>() ?? [];
}
