using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;

namespace Emulator.ControlPlane.CertificateSigning;

/// <summary>
/// The controller manager's csrsigning controller: signs approved CertificateSigningRequests of the built-in signers
/// (<c>kubernetes.io/kube-apiserver-client</c>, <c>kubernetes.io/kube-apiserver-client-kubelet</c>,
/// <c>kubernetes.io/kubelet-serving</c>) with the cluster CA, writing <c>status.certificate</c>. A request its signer
/// refuses gets a <c>Failed</c> condition (reason <c>SignerValidationFailure</c>); requests not approved, denied,
/// failed, already issued, for other signers or that do not parse are left alone, as Kubernetes does.
/// </summary>
public sealed class CsrSigningController : Controller
{
    /// <summary><c>certificates.k8s.io/v1</c> CertificateSigningRequests.</summary>
    public static readonly ResourceType CertificateSigningRequests = ResourceTypes.Of("certificates.k8s.io", "certificatesigningrequests");

    private readonly ClusterCertificateAuthority _ca;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="ca">The CA that signs.</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public CsrSigningController(IActorRef store, IActorRef watchHub, ClusterCertificateAuthority ca, TimeSpan? resync = null)
        : base(store, watchHub, [CertificateSigningRequests], resync)
    {
        _ca = ca;
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(CertificateSigningRequests).Get(null, key.Name)?.Object is not { } csr || csr.DeletionTimestamp is not null)
        {
            return;
        }
        var status = csr.Status ?? [];
        if (!Conditions.IsTrue(status, "Approved") || Conditions.IsTrue(status, "Denied") || Conditions.IsTrue(status, "Failed")
            || !string.IsNullOrEmpty(JsonTree.GetString(status, "certificate")))
        {
            return;
        }
        var signer = JsonTree.GetString(csr.Document, "spec", "signerName") ?? "";
        if (!CsrSigningPolicy.Signs(signer))
        {
            return;
        }
        byte[] pem;
        try
        {
            pem = Convert.FromBase64String(JsonTree.GetString(csr.Document, "spec", "request") ?? "");
        }
        catch (FormatException)
        {
            return;
        }
        if (CsrSigningPolicy.Parse(pem) is not { } request)
        {
            // Kubernetes logs "unable to parse csr" and retries; nothing is written.
            Log.Warning("unable to parse csr {0}", key.Name);
            return;
        }
        var usages = (JsonTree.Get(csr.Document, "spec", "usages") as JsonArray ?? []).Select(u => JsonTree.AsString(u) ?? "").ToList();
        var updated = csr.DeepClone();
        var newStatus = updated.EnsureStatus();
        if (CsrSigningPolicy.Refusal(signer, request, usages) is { } refusal)
        {
            var conditions = newStatus["conditions"] as JsonArray ?? [];
            conditions.Add(new JsonObject
            {
                ["type"] = "Failed",
                ["status"] = "True",
                ["reason"] = "SignerValidationFailure",
                ["message"] = refusal,
                ["lastUpdateTime"] = Rfc3339Time.Format(Now),
                ["lastTransitionTime"] = Rfc3339Time.Format(Now),
            });
            newStatus["conditions"] = conditions;
        }
        else
        {
            var certificate = CsrSigningPolicy.Sign(_ca, request, usages, CsrSigningPolicy.Duration(JsonTree.GetInt(csr.Document, "spec", "expirationSeconds")), Now);
            newStatus["certificate"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(certificate));
        }
        UpdateStatus(key, CertificateSigningRequests, updated.Document);
    }
}
