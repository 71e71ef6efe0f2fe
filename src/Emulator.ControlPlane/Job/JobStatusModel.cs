using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Job;

/// <summary>
/// A Job's status as the controller edits it, written back with the fields in the order of Kubernetes' <c>JobStatus</c>
/// (conditions, startTime, completionTime, active, succeeded, failed, terminating, completedIndexes,
/// uncountedTerminatedPods, ready); zero counters are omitted as <c>omitempty</c> does, <c>terminating</c>, <c>ready</c>
/// and <c>uncountedTerminatedPods</c> are pointers and always written once set.
/// </summary>
internal sealed class JobStatusModel
{
    public JsonArray Conditions { get; private set; } = [];

    public string? StartTime { get; set; }

    public string? CompletionTime { get; set; }

    public int Active { get; set; }

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    public int? Terminating { get; set; }

    public string CompletedIndexes { get; set; } = "";

    public List<string> UncountedSucceeded { get; } = [];

    public List<string> UncountedFailed { get; } = [];

    public int? Ready { get; set; }

    public static JobStatusModel Parse(JsonObject? status)
    {
        var model = new JobStatusModel();
        if (status is null)
        {
            return model;
        }
        model.Conditions = status["conditions"]?.DeepClone() as JsonArray ?? [];
        model.StartTime = JsonTree.GetString(status, "startTime");
        model.CompletionTime = JsonTree.GetString(status, "completionTime");
        model.Active = (int)(JsonTree.GetInt(status, "active") ?? 0);
        model.Succeeded = (int)(JsonTree.GetInt(status, "succeeded") ?? 0);
        model.Failed = (int)(JsonTree.GetInt(status, "failed") ?? 0);
        model.Terminating = JsonTree.GetInt(status, "terminating") is { } t ? (int)t : null;
        model.CompletedIndexes = JsonTree.GetString(status, "completedIndexes") ?? "";
        model.UncountedSucceeded.AddRange(Strings(JsonTree.GetArray(status, "uncountedTerminatedPods", "succeeded")));
        model.UncountedFailed.AddRange(Strings(JsonTree.GetArray(status, "uncountedTerminatedPods", "failed")));
        model.Ready = JsonTree.GetInt(status, "ready") is { } r ? (int)r : null;
        return model;
    }

    /// <summary>The condition of a type, or null.</summary>
    public JsonObject? Condition(string type) =>
        JsonTree.Objects(Conditions).FirstOrDefault(c => JsonTree.GetString(c, "type") == type);

    /// <summary>True when the condition of <paramref name="type"/> is True.</summary>
    public bool IsTrue(string type) => Condition(type) is { } c && JsonTree.GetString(c, "status") == "True";

    /// <summary>
    /// Kubernetes' <c>ensureJobConditionStatus</c>: replaces a condition whose status, reason or message differ (probe
    /// and transition times = now), appends a missing one unless it would be False. Returns true when anything changed.
    /// </summary>
    public bool EnsureCondition(string type, string status, string reason, string message, DateTimeOffset now)
    {
        var existing = Condition(type);
        if (existing is not null)
        {
            if (JsonTree.GetString(existing, "status") == status && JsonTree.GetString(existing, "reason") == reason && JsonTree.GetString(existing, "message") == message)
            {
                return false;
            }
            Conditions[Conditions.IndexOf(existing)] = NewCondition(type, status, reason, message, now);
            return true;
        }
        if (status == "False")
        {
            return false;
        }
        Conditions.Add(NewCondition(type, status, reason, message, now));
        return true;
    }

    public JsonObject ToJson()
    {
        var status = new JsonObject();
        if (Conditions.Count > 0)
        {
            status["conditions"] = Conditions.DeepClone();
        }
        if (StartTime is not null)
        {
            status["startTime"] = StartTime;
        }
        if (CompletionTime is not null)
        {
            status["completionTime"] = CompletionTime;
        }
        if (Active > 0)
        {
            status["active"] = Active;
        }
        if (Succeeded > 0)
        {
            status["succeeded"] = Succeeded;
        }
        if (Failed > 0)
        {
            status["failed"] = Failed;
        }
        if (Terminating is { } terminating)
        {
            status["terminating"] = terminating;
        }
        if (CompletedIndexes.Length > 0)
        {
            status["completedIndexes"] = CompletedIndexes;
        }
        var uncounted = new JsonObject();
        if (UncountedSucceeded.Count > 0)
        {
            uncounted["succeeded"] = new JsonArray([.. UncountedSucceeded.Select(u => (JsonNode?)u)]);
        }
        if (UncountedFailed.Count > 0)
        {
            uncounted["failed"] = new JsonArray([.. UncountedFailed.Select(u => (JsonNode?)u)]);
        }
        status["uncountedTerminatedPods"] = uncounted;
        if (Ready is { } ready)
        {
            status["ready"] = ready;
        }
        return status;
    }

    private static JsonObject NewCondition(string type, string status, string reason, string message, DateTimeOffset now)
    {
        var time = Rfc3339Time.Format(now);
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastProbeTime"] = time,
            ["lastTransitionTime"] = time,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    private static IEnumerable<string> Strings(JsonArray? array) =>
        array?.Select(JsonTree.AsString).OfType<string>() ?? [];
}

/// <summary>Reading a Job's finished state from its conditions.</summary>
public static class JobConditions
{
    /// <summary>The Job has finished: its Complete or Failed condition is True.</summary>
    public static bool IsFinished(KubeObject job) => FinishedCondition(job) is not null;

    /// <summary>The True Complete or Failed condition of a finished Job, or null.</summary>
    public static JsonObject? FinishedCondition(KubeObject job) =>
        job.Status is not { } status ? null
        : JsonTree.Objects(status["conditions"] as JsonArray).FirstOrDefault(c =>
            JsonTree.GetString(c, "type") is "Complete" or "Failed" && JsonTree.GetString(c, "status") == "True");

    /// <summary>The Job finished successfully (Complete True).</summary>
    public static bool IsSucceeded(KubeObject job) => job.Status is { } status && Conditions.IsTrue(status, "Complete");

    /// <summary>When the Job finished: its completionTime, else its finished condition's lastTransitionTime.</summary>
    public static DateTimeOffset? FinishedAt(KubeObject job)
    {
        if (FinishedCondition(job) is not { } condition)
        {
            return null;
        }
        if (JsonTree.GetString(condition, "type") == "Complete" && Rfc3339Time.TryParse(JsonTree.GetString(job.Status, "completionTime"), out var completed))
        {
            return completed;
        }
        return Rfc3339Time.TryParse(JsonTree.GetString(condition, "lastTransitionTime"), out var at) ? at : null;
    }
}
