using System.Text.Json.Nodes;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Deployment;

public sealed partial class DeploymentController
{
    /// <summary>
    /// RollingUpdate: (1) grow the new ReplicaSet within maxSurge; if grown, stop. (2) shrink old ReplicaSets within
    /// maxUnavailable, unhealthy pods first, oldest first. (3) when complete, clean up old ReplicaSets.
    /// </summary>
    private void RolloutRolling(Pass pass)
    {
        var (newRs, old, stop) = SyncRevision(pass, create: true);
        if (stop)
        {
            return;
        }
        if (ReconcileNewReplicaSet(pass, newRs, old) || ReconcileOldReplicaSets(pass, newRs, old))
        {
            Flush(pass);
            SyncRolloutStatus(pass, newRs, old);
            return;
        }
        if (IsComplete(pass, pass.Deployment.Status))
        {
            Cleanup(pass, old);
        }
        SyncRolloutStatus(pass, newRs, old);
    }

    /// <summary>Recreate: old ReplicaSets to 0; wait until no old pod is left (terminating ones count); then the new one to replicas.</summary>
    private void RolloutRecreate(Pass pass)
    {
        var (newRs, old, stop) = SyncRevision(pass, create: false);
        if (stop)
        {
            return;
        }
        var scaledDown = false;
        foreach (var rs in old.Where(r => r.Planned > 0))
        {
            scaledDown |= Scale(rs, 0);
        }
        if (scaledDown)
        {
            Flush(pass);
            SyncRolloutStatus(pass, newRs, old);
            return;
        }
        if (OldPodsRunning(newRs, old))
        {
            SyncRolloutStatus(pass, newRs, old);
            return;
        }
        if (newRs is null)
        {
            SyncRevision(pass, create: true);
            return;
        }
        Scale(newRs, pass.Replicas);
        if (IsComplete(pass, pass.Deployment.Status))
        {
            Cleanup(pass, old);
        }
        Flush(pass);
        SyncRolloutStatus(pass, newRs, old);
    }

    /// <summary>Scaling (replicas changed) or paused: proportional scaling, cleanup while paused, status without progress.</summary>
    private void Sync(Pass pass)
    {
        var (newRs, old, stop) = SyncRevision(pass, create: false);
        if (stop)
        {
            return;
        }
        ScaleProportionally(pass, newRs, old);
        if (pass.View.Paused)
        {
            Cleanup(pass, old);
        }
        Flush(pass);
        SyncDeploymentStatus(pass, newRs, old);
    }

    private void SyncStatusOnly(Pass pass)
    {
        var (newRs, old) = FindNewAndOld(pass);
        SyncDeploymentStatus(pass, newRs, old);
    }

    private static bool ReconcileNewReplicaSet(Pass pass, ReplicaSetState? newRs, List<ReplicaSetState> old)
    {
        if (newRs is null || newRs.Planned == pass.Replicas)
        {
            return false;
        }
        if (newRs.Planned > pass.Replicas)
        {
            return Scale(newRs, pass.Replicas);
        }
        return Scale(newRs, NewReplicaSetReplicas(pass, Saturated(old.Sum(r => (long)r.Planned)), newRs.Planned));
    }

    private static bool ReconcileOldReplicaSets(Pass pass, ReplicaSetState? newRs, List<ReplicaSetState> old)
    {
        var oldCount = Saturated(old.Sum(r => (long)r.Planned));
        if (oldCount == 0)
        {
            return false;
        }
        var allCount = oldCount + (newRs?.Planned ?? 0);
        var minAvailable = pass.Replicas - pass.MaxUnavailable;
        var newUnavailable = newRs is null ? 0 : newRs.Planned - newRs.Available;
        var maxScaledDown = allCount - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return false;
        }
        // Unhealthy replicas first: they cost no availability.
        var cleaned = 0;
        foreach (var rs in old.OrderBy(r => r.Created).ThenBy(r => r.Name, StringComparer.Ordinal))
        {
            if (cleaned >= maxScaledDown)
            {
                break;
            }
            if (rs.Planned == 0 || rs.Planned <= rs.Available)
            {
                continue;
            }
            var down = Math.Min(maxScaledDown - cleaned, rs.Planned - rs.Available);
            Scale(rs, rs.Planned - down);
            cleaned += down;
        }
        // Then down to the availability floor, oldest first.
        var available = Saturated(old.Sum(r => (long)r.Available)) + (newRs?.Available ?? 0);
        var scaled = 0;
        if (available > minAvailable)
        {
            var total = available - minAvailable;
            foreach (var rs in old.OrderBy(r => r.Created).ThenBy(r => r.Name, StringComparer.Ordinal))
            {
                if (scaled >= total)
                {
                    break;
                }
                if (rs.Planned == 0)
                {
                    continue;
                }
                var down = Math.Min(rs.Planned, total - scaled);
                Scale(rs, rs.Planned - down);
                scaled += down;
            }
        }
        return cleaned + scaled > 0;
    }

    private bool OldPodsRunning(ReplicaSetState? newRs, List<ReplicaSetState> old)
    {
        if (Saturated(old.Sum(r => (long)r.StatusReplicas)) > 0)
        {
            return true;
        }
        // The phase is a stored field: old ReplicaSets' pods are not parsed for it.
        return old.Where(r => r != newRs)
            .SelectMany(r => Cache(Pods).ByIndex(ByController, r.Object.Uid ?? ""))
            .Any(p => !p.Stored.IsTerminalPod);
    }

    private static bool IsScalingEvent(Pass pass)
    {
        var (newRs, old) = FindNewAndOld(pass);
        return old.Append(newRs).OfType<ReplicaSetState>().Where(r => r.Planned > 0)
            .Any(r => DeploymentAnnotations.IntOf(r.Object, DeploymentAnnotations.DesiredReplicas) is { } desired && desired != pass.Replicas);
    }

    /// <summary>
    /// Kubernetes' <c>scale</c>: one active ReplicaSet takes replicas; a saturated new one leaves the old at 0; otherwise,
    /// for RollingUpdate, replicas + maxSurge − Σ spec is split by size / max-replicas, the rest to the newest (up) or
    /// largest (down).
    /// </summary>
    private static void ScaleProportionally(Pass pass, ReplicaSetState? newRs, List<ReplicaSetState> old)
    {
        var all = old.Append(newRs).OfType<ReplicaSetState>().ToList();
        var active = all.Where(r => r.Planned > 0).ToList();
        if (all.Count == 0)
        {
            return;
        }
        if (active.Count <= 1)
        {
            var target = active.Count == 1 ? active[0] : newRs ?? old.OrderByDescending(r => r.Created).First();
            if (target.Planned != pass.Replicas)
            {
                Scale(target, pass.Replicas);
            }
            return;
        }
        if (newRs is not null && newRs.Planned == pass.Replicas && newRs.Available == pass.Replicas
            && DeploymentAnnotations.IntOf(newRs.Object, DeploymentAnnotations.DesiredReplicas) == pass.Replicas)
        {
            foreach (var rs in old.Where(r => r.Planned > 0))
            {
                Scale(rs, 0);
            }
            return;
        }
        if (!pass.IsRolling)
        {
            return;
        }
        var allowed = pass.Replicas > 0 ? pass.MaxTotal : 0;
        var toAdd = allowed - Saturated(active.Sum(r => (long)r.Planned));
        if (toAdd > 0)
        {
            // Larger first; among equals the newer.
            active = active.OrderByDescending(r => r.Planned).ThenByDescending(r => r.Created).ToList();
        }
        else if (toAdd < 0)
        {
            // Larger first; among equals the older.
            active = active.OrderByDescending(r => r.Planned).ThenBy(r => r.Created).ToList();
        }
        var added = 0;
        var sizes = new Dictionary<ReplicaSetState, int>();
        var statusReplicas = (int)(JsonTree.GetInt(pass.Deployment.Document, "status", "replicas") ?? 0);
        foreach (var rs in active)
        {
            var proportion = 0;
            if (toAdd != 0 && toAdd != added)
            {
                var fraction = Fraction(pass, rs, statusReplicas);
                var left = toAdd - added;
                proportion = toAdd > 0 ? Math.Min(fraction, left) : Math.Max(fraction, left);
            }
            sizes[rs] = rs.Planned + proportion;
            added += proportion;
        }
        for (var i = 0; i < active.Count; i++)
        {
            var rs = active[i];
            var size = sizes[rs];
            if (i == 0 && toAdd != 0)
            {
                size = Math.Max(0, size + toAdd - added);
            }
            rs.Planned = size;
            // The proportional pass writes the scale annotations even when the size stays.
            rs.Dirty = true;
        }
    }

    private static int Fraction(Pass pass, ReplicaSetState rs, int statusReplicas)
    {
        if (pass.Replicas == 0)
        {
            return -rs.Planned;
        }
        var deploymentReplicas = pass.MaxTotal;
        var annotated = DeploymentAnnotations.IntOf(rs.Object, DeploymentAnnotations.MaxReplicas) ?? statusReplicas;
        if (annotated == 0)
        {
            return 0;
        }
        var size = (double)rs.Planned * deploymentReplicas / annotated;
        return (int)Math.Round(size, MidpointRounding.AwayFromZero) - rs.Planned;
    }

    /// <summary>Progressing Unknown DeploymentPaused / DeploymentResumed; returns true when it wrote the status.</summary>
    private bool CheckPausedConditions(Pass pass)
    {
        if (!HasProgressDeadline(pass))
        {
            return false;
        }
        var status = pass.Deployment.Status;
        var current = status is null ? null : DeploymentConditions.Find(status, DeploymentConditions.Progressing);
        var reason = current is null ? null : JsonTree.GetString(current, "reason");
        if (reason == "ProgressDeadlineExceeded")
        {
            return false;
        }
        var pausedShown = reason == "DeploymentPaused";
        JsonObject? condition = null;
        if (pass.View.Paused && !pausedShown)
        {
            condition = DeploymentConditions.New(DeploymentConditions.Progressing, "Unknown", "DeploymentPaused", "Deployment is paused", pass.Now);
        }
        else if (!pass.View.Paused && pausedShown)
        {
            condition = DeploymentConditions.New(DeploymentConditions.Progressing, "Unknown", "DeploymentResumed", "Deployment is resumed", pass.Now);
        }
        if (condition is null)
        {
            return false;
        }
        var next = (JsonObject?)status?.DeepClone() ?? [];
        DeploymentConditions.Set(next, condition);
        WriteStatus(pass, next);
        return true;
    }
}
