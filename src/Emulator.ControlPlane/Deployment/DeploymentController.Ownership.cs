using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.Deployment;

public sealed partial class DeploymentController
{
    /// <summary>
    /// Adopts orphan ReplicaSets the Deployment's selector matches and releases owned ones it no longer matches (not while
    /// the Deployment is being deleted). Returns true when any such write was sent.
    /// </summary>
    private bool ClaimReplicaSets(ObjectKey key, KubeObject d)
    {
        if (d.DeletionTimestamp is not null)
        {
            return false;
        }
        LabelSelector selector;
        try
        {
            selector = new WorkloadView(d).Selector;
        }
        catch (SelectorParseException)
        {
            return false;
        }
        if (selector.IsEmpty)
        {
            return false;
        }
        var sent = false;
        var uid = d.Uid ?? "";
        foreach (var cached in Cache(ReplicaSets).InNamespace(d.Namespace ?? "").ToArray())
        {
            var rs = cached.Object;
            if (rs.DeletionTimestamp is not null)
            {
                continue;
            }
            var controller = rs.ControllerReference;
            if (controller is null && selector.Matches(rs))
            {
                var adopted = rs.DeepClone();
                adopted.SetOwnerReferences([.. rs.OwnerReferences, new OwnerReference("apps/v1", "Deployment", d.Name ?? "", uid, true, true)]);
                UpdateObject(key, ReplicaSets, adopted.Document);
                sent = true;
            }
            else if (controller?.Uid == uid && !selector.Matches(rs))
            {
                var released = rs.DeepClone();
                released.SetOwnerReferences(rs.OwnerReferences.Where(r => r.Uid != uid));
                UpdateObject(key, ReplicaSets, released.Document);
                sent = true;
            }
        }
        return sent;
    }

    /// <summary>Queues the Deployments whose selector matches an orphan ReplicaSet.</summary>
    private void EnqueueSelecting(CachedObject rs)
    {
        foreach (var d in Cache(Deployments).InNamespace(rs.Namespace ?? ""))
        {
            try
            {
                var selector = new WorkloadView(d.Object).Selector;
                if (!selector.IsEmpty && selector.Matches(rs.Object))
                {
                    Enqueue(KeyOf(Deployments, d));
                }
            }
            catch (SelectorParseException)
            {
                // An invalid selector selects nothing.
            }
        }
    }
}
