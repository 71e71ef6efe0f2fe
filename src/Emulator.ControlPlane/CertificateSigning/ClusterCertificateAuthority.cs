using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Emulator.ControlPlane.CertificateSigning;

/// <summary>
/// The cluster's CA (kubeadm's <c>ca.crt</c>/<c>ca.key</c>): published as <c>kube-root-ca.crt</c> and used by the
/// controller manager's <c>--cluster-signing-cert-file</c>/<c>--cluster-signing-key-file</c> to sign approved
/// CertificateSigningRequests.
/// </summary>
public sealed class ClusterCertificateAuthority : IDisposable
{
    private ClusterCertificateAuthority(X509Certificate2 certificate)
    {
        Certificate = certificate;
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate in PEM (the CA bundle).</summary>
    public string CertificatePem => Certificate.ExportCertificatePem() + "\n";

    /// <summary>A fresh self-signed CA (ECDSA P-256, ten years), as a cluster without its own CA makes one.</summary>
    /// <param name="commonName">The CA's subject common name.</param>
    /// <param name="now">When it is made (null: the wall clock).</param>
    public static ClusterCertificateAuthority Create(string commonName = "kubernetes", DateTimeOffset? now = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var from = now ?? DateTimeOffset.UtcNow;
        return new ClusterCertificateAuthority(request.CreateSelfSigned(from.AddMinutes(-5), from.AddYears(10)));
    }

    /// <summary>
    /// The CA kept in <paramref name="directory"/> (<c>ca.crt</c> and <c>ca.key</c>), created there the first time so
    /// that the cluster keeps one CA across restarts. A certificate kept without its key (written before the emulator
    /// signed anything) is replaced: nothing can be signed with it.
    /// </summary>
    public static ClusterCertificateAuthority LoadOrCreate(string directory)
    {
        var certificatePath = Path.Combine(directory, "ca.crt");
        var keyPath = Path.Combine(directory, "ca.key");
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            return new ClusterCertificateAuthority(X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath), File.ReadAllText(keyPath)));
        }
        var ca = Create();
        using (var key = ca.Certificate.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(certificatePath, ca.CertificatePem);
        return ca;
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();
}
