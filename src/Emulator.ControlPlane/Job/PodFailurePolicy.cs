using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Job;

/// <summary>The action of the first podFailurePolicy rule a failed pod matches.</summary>
/// <param name="Action">FailJob, Ignore, Count (FailIndex is treated as Count: backoffLimitPerIndex is not emulated).</param>
/// <param name="FailJobMessage">For FailJob: the Job's failure message.</param>
internal sealed record PodFailurePolicyMatch(string Action, string? FailJobMessage)
{
    /// <summary>Whether the failure counts towards the backoffLimit (all but Ignore).</summary>
    public bool CountsFailure => Action != "Ignore";
}

/// <summary>
/// Kubernetes' <c>matchPodFailurePolicy</c>: rules in order; <c>onExitCodes</c> matches a terminated container
/// (app containers, then init containers; optionally by name) with a non-zero exit code In / NotIn the values;
/// <c>onPodConditions</c> matches a pod condition of the type and status (e.g. DisruptionTarget True).
/// </summary>
internal static class PodFailurePolicy
{
    /// <summary>The first matching rule's action, or null when none matches (the failure then counts).</summary>
    public static PodFailurePolicyMatch? Match(JsonObject? policy, KubeObject pod)
    {
        if (policy is null)
        {
            return null;
        }
        var index = 0;
        foreach (var rule in JsonTree.Objects(policy["rules"] as JsonArray))
        {
            var action = JsonTree.GetString(rule, "action") ?? "";
            if (rule["onExitCodes"] is JsonObject onExitCodes)
            {
                if (MatchExitCodes(pod, onExitCodes) is { } container)
                {
                    var message = $"Container {JsonTree.GetString(container, "name")} for pod {pod.Namespace}/{pod.Name} failed with exit code "
                        + $"{JsonTree.GetInt(container, "state", "terminated", "exitCode")} matching {action} rule at index {index}";
                    return Result(action, message);
                }
            }
            else if (rule["onPodConditions"] is JsonArray patterns)
            {
                if (MatchConditions(pod, patterns) is { } condition)
                {
                    var message = $"Pod {pod.Namespace}/{pod.Name} has condition {JsonTree.GetString(condition, "type")} matching {action} rule at index {index}";
                    return Result(action, message);
                }
            }
            index++;
        }
        return null;
    }

    private static PodFailurePolicyMatch? Result(string action, string message) => action switch
    {
        "FailJob" => new PodFailurePolicyMatch("FailJob", message),
        "Ignore" => new PodFailurePolicyMatch("Ignore", null),
        "Count" or "FailIndex" => new PodFailurePolicyMatch(action, null),
        _ => null,
    };

    private static JsonObject? MatchExitCodes(KubeObject pod, JsonObject requirement)
    {
        var containerName = JsonTree.GetString(requirement, "containerName");
        var @operator = JsonTree.GetString(requirement, "operator") ?? "In";
        var values = (requirement["values"] as JsonArray)?.Select(JsonTree.AsInt).OfType<long>().ToHashSet() ?? [];
        foreach (var status in JobPodFacts.ContainerStatuses(pod))
        {
            if (JsonTree.GetInt(status, "state", "terminated", "exitCode") is not { } code || code == 0)
            {
                continue;
            }
            if (containerName is not null && containerName != JsonTree.GetString(status, "name"))
            {
                continue;
            }
            if (@operator == "In" ? values.Contains(code) : !values.Contains(code))
            {
                return status;
            }
        }
        return null;
    }

    private static JsonObject? MatchConditions(KubeObject pod, JsonArray patterns)
    {
        foreach (var condition in JsonTree.Objects(JsonTree.GetArray(pod.Document, "status", "conditions")))
        {
            foreach (var pattern in JsonTree.Objects(patterns))
            {
                if (JsonTree.GetString(condition, "type") == JsonTree.GetString(pattern, "type")
                    && JsonTree.GetString(condition, "status") == (JsonTree.GetString(pattern, "status") ?? "True"))
                {
                    return condition;
                }
            }
        }
        return null;
    }
}
