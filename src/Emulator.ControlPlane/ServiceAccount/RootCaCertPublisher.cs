using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Informers;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Defaulting;

namespace Emulator.ControlPlane.ServiceAccount;

/// <summary>
/// Kubernetes' root CA certificate publisher: every active namespace has the <c>kube-root-ca.crt</c> ConfigMap with the
/// cluster's CA bundle under <c>ca.crt</c> (what the projected service account token volume mounts). A missing one is
/// created, one whose data or description was changed is put back.
/// </summary>
public sealed class RootCaCertPublisher : Controller
{
    /// <summary>The description annotation Kubernetes puts on the ConfigMap.</summary>
    public const string DescriptionAnnotation = "kubernetes.io/description";

    /// <summary>The description Kubernetes 1.33 writes.</summary>
    public const string Description =
        "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the "
        + "internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

    private static readonly ResourceType Namespaces = ResourceTypes.Namespaces;
    private static readonly ResourceType ConfigMaps = ResourceTypes.Of("", "configmaps");

    private readonly string _caBundle;

    /// <summary>Creates the publisher.</summary>
    /// <param name="store">The API store.</param>
    /// <param name="watchHub">The store's watch hub.</param>
    /// <param name="caBundle">The PEM CA bundle to publish (see <see cref="CreateSelfSignedCa"/>).</param>
    /// <param name="resync">Periodic resync (null: none).</param>
    public RootCaCertPublisher(IActorRef store, IActorRef watchHub, string caBundle, TimeSpan? resync = null)
        : base(store, watchHub, [Namespaces, ConfigMaps], resync)
    {
        _caBundle = caBundle;
    }

    /// <summary>A self-signed CA certificate in PEM, as a cluster without its own CA would publish.</summary>
    /// <param name="commonName">The CA's subject common name.</param>
    public static string CreateSelfSignedCa(string commonName = "kubernetes")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return certificate.ExportCertificatePem() + "\n";
    }

    /// <inheritdoc />
    /// <remarks>Only the published ConfigMaps: caching every ConfigMap of the cluster would cost each ConfigMap write a parse.</remarks>
    protected override ObjectSelector? Selects(ResourceType type) =>
        type.Key == ConfigMaps.Key ? new ObjectSelector(Fields: $"metadata.name={ServiceAccountDefaults.RootCaConfigMap}") : null;

    /// <inheritdoc />
    protected override void OnChange(ResourceType type, CachedObject? before, CachedObject? after)
    {
        if (type.Key == ConfigMaps.Key)
        {
            if ((after ?? before) is { Name: ServiceAccountDefaults.RootCaConfigMap, Namespace: { } ns })
            {
                Enqueue(new ObjectKey(Namespaces.Key, null, ns));
            }
            return;
        }
        base.OnChange(type, before, after);
    }

    /// <inheritdoc />
    protected override void Reconcile(ObjectKey key)
    {
        if (Cache(Namespaces).Get(null, key.Name) is not { } ns || ns.Stored.IsDeleting)
        {
            return;
        }
        if (Cache(ConfigMaps).Get(ns.Name, ServiceAccountDefaults.RootCaConfigMap) is not { } existing)
        {
            CreateObject(key, ConfigMaps, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject
                {
                    ["name"] = ServiceAccountDefaults.RootCaConfigMap,
                    ["namespace"] = ns.Name,
                    ["annotations"] = new JsonObject { [DescriptionAnnotation] = Description },
                },
                ["data"] = Data(),
            });
            return;
        }
        if (existing.Stored.IsDeleting)
        {
            return;
        }
        var current = existing.Object;
        var dataMatches = JsonTree.DeepEquals(current.Document["data"], Data());
        var described = JsonTree.GetString(current.Metadata, "annotations", DescriptionAnnotation) == Description;
        if (dataMatches && described)
        {
            return;
        }
        var updated = current.DeepClone().Document;
        updated["data"] = Data();
        updated.Remove("binaryData");
        var metadata = (JsonObject)updated["metadata"]!;
        if (metadata["annotations"] is not JsonObject annotations)
        {
            annotations = new JsonObject();
            metadata["annotations"] = annotations;
        }
        annotations[DescriptionAnnotation] = Description;
        UpdateObject(key, ConfigMaps, updated);
    }

    private JsonObject Data() => new() { ["ca.crt"] = _caBundle };
}
