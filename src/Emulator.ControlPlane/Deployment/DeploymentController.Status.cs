using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Deployment;

public sealed partial class DeploymentController
{
    private static bool HasProgressDeadline(Pass pass) =>
        JsonTree.GetInt(pass.Deployment.Document, "spec", "progressDeadlineSeconds") is { } seconds && seconds != int.MaxValue;

    private static long ProgressDeadlineSeconds(Pass pass) => JsonTree.GetInt(pass.Deployment.Document, "spec", "progressDeadlineSeconds") ?? 600;

    private static int Int(JsonObject? status, string field) => (int)(JsonTree.GetInt(status, field) ?? 0);

    /// <summary>updated = replicas = available = spec.replicas, and the status is of the current generation.</summary>
    private static bool IsComplete(Pass pass, JsonObject? status) =>
        Int(status, "updatedReplicas") == pass.Replicas
        && Int(status, "replicas") == pass.Replicas
        && Int(status, "availableReplicas") == pass.Replicas
        && (JsonTree.GetInt(status, "observedGeneration") ?? 0) >= (pass.Deployment.Generation ?? 1);

    /// <summary>The counts from the ReplicaSets' status, and the Available condition.</summary>
    private static JsonObject CalculateStatus(Pass pass, ReplicaSetState? newRs, List<ReplicaSetState> old)
    {
        var all = old.Append(newRs).OfType<ReplicaSetState>().ToList();
        var available = Saturated(all.Sum(r => (long)r.Available));
        var total = Saturated(all.Sum(r => (long)r.Planned));
        var status = new JsonObject
        {
            ["observedGeneration"] = pass.Deployment.Generation ?? 1,
            ["replicas"] = Saturated(all.Sum(r => (long)r.StatusReplicas)),
            ["updatedReplicas"] = newRs?.StatusReplicas ?? 0,
            ["readyReplicas"] = Saturated(all.Sum(r => (long)r.Ready)),
            ["availableReplicas"] = available,
            ["unavailableReplicas"] = Math.Max(0, total - available),
        };
        if (pass.Deployment.Status?["conditions"] is JsonArray conditions)
        {
            status["conditions"] = conditions.DeepClone();
        }
        if (pass.Deployment.Status?["collisionCount"] is { } collisions)
        {
            status["collisionCount"] = collisions.DeepClone();
        }
        var condition = available >= pass.Replicas - pass.MaxUnavailable
            ? DeploymentConditions.New(DeploymentConditions.Available, "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", pass.Now)
            : DeploymentConditions.New(DeploymentConditions.Available, "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", pass.Now);
        DeploymentConditions.Set(status, condition);
        return status;
    }

    /// <summary>Status without progress reporting (scaling, paused, deleting).</summary>
    private void SyncDeploymentStatus(Pass pass, ReplicaSetState? newRs, List<ReplicaSetState> old)
    {
        var status = CalculateStatus(pass, newRs, old);
        if (!JsonTree.DeepEquals(status, pass.Deployment.Status))
        {
            WriteStatus(pass, status);
        }
    }

    /// <summary>
    /// Status with the Progressing condition: NewReplicaSetCreated after a create, NewReplicaSetAvailable when complete,
    /// ReplicaSetUpdated on any progress (refreshing lastUpdateTime), ProgressDeadlineExceeded after the deadline without
    /// progress; queues the Deployment again at its deadline.
    /// </summary>
    private void SyncRolloutStatus(Pass pass, ReplicaSetState? newRs, List<ReplicaSetState> old)
    {
        var previous = pass.Deployment.Status;
        var status = CalculateStatus(pass, newRs, old);
        if (_createdNewReplicaSet.Remove(pass.Key, out var created) && HasProgressDeadline(pass))
        {
            DeploymentConditions.Set(status, DeploymentConditions.New(DeploymentConditions.Progressing, "True", "NewReplicaSetCreated", $"Created new replica set \"{created}\"", pass.Now));
        }
        if (!HasProgressDeadline(pass))
        {
            DeploymentConditions.Remove(status, DeploymentConditions.Progressing);
        }
        var current = DeploymentConditions.Find(status, DeploymentConditions.Progressing);
        var completeBefore = Int(status, "replicas") == Int(status, "updatedReplicas")
            && current is not null && JsonTree.GetString(current, "reason") == "NewReplicaSetAvailable";
        var name = newRs is null ? $"Deployment \"{pass.Deployment.Name}\"" : $"ReplicaSet \"{newRs.Name}\"";
        if (HasProgressDeadline(pass) && !completeBefore)
        {
            if (IsComplete(pass, status))
            {
                DeploymentConditions.Set(status, DeploymentConditions.New(DeploymentConditions.Progressing, "True", "NewReplicaSetAvailable", $"{name} has successfully progressed.", pass.Now));
            }
            else if (IsProgressing(previous, status))
            {
                var condition = DeploymentConditions.New(DeploymentConditions.Progressing, "True", "ReplicaSetUpdated", $"{name} is progressing.", pass.Now);
                if (current is not null)
                {
                    if (JsonTree.GetString(current, "status") == "True")
                    {
                        condition["lastTransitionTime"] = current["lastTransitionTime"]?.DeepClone();
                    }
                    DeploymentConditions.Remove(status, DeploymentConditions.Progressing);
                }
                DeploymentConditions.Set(status, condition);
            }
            else if (TimedOut(pass, status))
            {
                DeploymentConditions.Set(status, DeploymentConditions.New(DeploymentConditions.Progressing, "False", "ProgressDeadlineExceeded", $"{name} has timed out progressing.", pass.Now));
            }
        }
        var failure = old.Append(newRs).OfType<ReplicaSetState>()
            .Select(r => r.Object.Status is { } s ? DeploymentConditions.Find(s, "ReplicaFailure") : null)
            .FirstOrDefault(c => c is not null && JsonTree.GetString(c, "status") == "True");
        if (failure is not null)
        {
            DeploymentConditions.Set(status, DeploymentConditions.New(DeploymentConditions.ReplicaFailure, "True",
                JsonTree.GetString(failure, "reason") ?? "", JsonTree.GetString(failure, "message") ?? "", pass.Now));
        }
        else
        {
            DeploymentConditions.Remove(status, DeploymentConditions.ReplicaFailure);
        }
        if (!JsonTree.DeepEquals(status, previous))
        {
            WriteStatus(pass, status);
        }
        RequeueAtDeadline(pass, status);
    }

    private static bool IsProgressing(JsonObject? previous, JsonObject status) =>
        Int(status, "updatedReplicas") > Int(previous, "updatedReplicas")
        || Int(status, "replicas") - Int(status, "updatedReplicas") < Int(previous, "replicas") - Int(previous, "updatedReplicas")
        || Int(status, "readyReplicas") > Int(previous, "readyReplicas")
        || Int(status, "availableReplicas") > Int(previous, "availableReplicas");

    private static bool TimedOut(Pass pass, JsonObject status)
    {
        if (DeploymentConditions.Find(status, DeploymentConditions.Progressing) is not { } condition)
        {
            return false;
        }
        switch (JsonTree.GetString(condition, "reason"))
        {
            case "NewReplicaSetAvailable":
                return false;
            case "ProgressDeadlineExceeded":
                return true;
        }
        return Rfc3339Time.TryParse(JsonTree.GetString(condition, "lastUpdateTime"), out var from)
            && from.AddSeconds(ProgressDeadlineSeconds(pass)) < pass.Now;
    }

    private void RequeueAtDeadline(Pass pass, JsonObject status)
    {
        if (!HasProgressDeadline(pass) || DeploymentConditions.Find(status, DeploymentConditions.Progressing) is not { } condition
            || IsComplete(pass, status) || JsonTree.GetString(condition, "reason") is "ProgressDeadlineExceeded" or "DeploymentPaused"
            || !Rfc3339Time.TryParse(JsonTree.GetString(condition, "lastUpdateTime"), out var from))
        {
            return;
        }
        var after = from.AddSeconds(ProgressDeadlineSeconds(pass)) - pass.Now;
        EnqueueAfter(pass.Key, after < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : after + TimeSpan.FromSeconds(1));
    }

    private void WriteStatus(Pass pass, JsonObject status)
    {
        var updated = pass.Deployment.DeepClone();
        updated.Document["status"] = status;
        UpdateStatus(pass.Key, Deployments, updated.Document);
    }
}
