using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Emulator.ControlPlane.CertificateSigning;

/// <summary>A parsed certificate request: the loaded request and what the signers' checks read from it.</summary>
/// <param name="Request">The request (public key, subject, requested extensions).</param>
/// <param name="CommonName">The subject's common name.</param>
/// <param name="Organizations">The subject's organizations.</param>
/// <param name="DnsNames">DNS subject alternative names.</param>
/// <param name="IpAddresses">IP subject alternative names.</param>
/// <param name="Emails">Email subject alternative names.</param>
/// <param name="Uris">URI subject alternative names.</param>
public sealed record ParsedCertificateRequest(CertificateRequest Request, string CommonName, IReadOnlyList<string> Organizations,
    int DnsNames, int IpAddresses, int Emails, int Uris);

/// <summary>
/// What the controller manager's csrsigning controller checks and writes per built-in signer
/// (<c>pkg/controller/certificates/signer</c>, <c>pkg/apis/certificates/helpers</c>), and how it builds the certificate
/// (the permissive signing policy: the requested usages, five minutes of backdating, the requested duration when
/// shorter than a year and at least ten minutes).
/// </summary>
public static class CsrSigningPolicy
{
    /// <summary>kube-apiserver client certificates.</summary>
    public const string KubeApiServerClient = "kubernetes.io/kube-apiserver-client";

    /// <summary>Kubelet client certificates.</summary>
    public const string KubeletClient = "kubernetes.io/kube-apiserver-client-kubelet";

    /// <summary>Kubelet serving certificates.</summary>
    public const string KubeletServing = "kubernetes.io/kubelet-serving";

    /// <summary>The controller manager's <c>--cluster-signing-duration</c> default (one year).</summary>
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromHours(8760);

    private static readonly string[] KubeletClientUsages = ["client auth", "digital signature", "key encipherment"];
    private static readonly string[] KubeletClientUsagesNoRsa = ["client auth", "digital signature"];
    private static readonly string[] KubeletServingUsages = ["digital signature", "key encipherment", "server auth"];
    private static readonly string[] KubeletServingUsagesNoRsa = ["digital signature", "server auth"];

    /// <summary>True for the signers the controller manager signs for.</summary>
    public static bool Signs(string signerName) => signerName is KubeApiServerClient or KubeletClient or KubeletServing;

    /// <summary>Parses the PEM <c>CERTIFICATE REQUEST</c> of <c>spec.request</c> (its signature checked); null when it is none.</summary>
    public static ParsedCertificateRequest? Parse(byte[] pem)
    {
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(System.Text.Encoding.ASCII.GetString(pem), HashAlgorithmName.SHA256,
                CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
        string commonName = "";
        var organizations = new List<string>();
        foreach (var rdn in request.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            switch (rdn.GetSingleElementType().Value)
            {
                case "2.5.4.3":
                    commonName = rdn.GetSingleElementValue() ?? "";
                    break;
                case "2.5.4.10":
                    organizations.Add(rdn.GetSingleElementValue() ?? "");
                    break;
            }
        }
        int dns = 0, ips = 0, emails = 0, uris = 0;
        foreach (var san in request.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            dns += san.EnumerateDnsNames().Count();
            ips += san.EnumerateIPAddresses().Count();
            (emails, uris) = CountOtherNames(san.RawData, emails, uris);
        }
        return new ParsedCertificateRequest(request, commonName, organizations, dns, ips, emails, uris);
    }

    /// <summary>
    /// The signer's check (<c>isRequestForSignerFn</c>): null when the request may be signed, else the message of the
    /// <c>Failed</c> condition (reason <c>SignerValidationFailure</c>).
    /// </summary>
    public static string? Refusal(string signerName, ParsedCertificateRequest request, IReadOnlyList<string> usages)
    {
        var set = usages.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        switch (signerName)
        {
            case KubeApiServerClient:
                foreach (var usage in usages)
                {
                    if (usage is not ("digital signature" or "key encipherment" or "client auth"))
                    {
                        return $"invalid usage for client certificate: {usage}";
                    }
                }
                return usages.Contains("client auth") ? null : "missing required usage for client certificate: client auth";
            case KubeletClient:
                if (!request.Organizations.SequenceEqual(["system:nodes"]))
                {
                    return "subject organization is not system:nodes";
                }
                if (request.DnsNames > 0)
                {
                    return "DNS subjectAltNames are not allowed";
                }
                if (request.Emails > 0)
                {
                    return "Email subjectAltNames are not allowed";
                }
                if (request.IpAddresses > 0)
                {
                    return "IP subjectAltNames are not allowed";
                }
                if (request.Uris > 0)
                {
                    return "URI subjectAltNames are not allowed";
                }
                if (!request.CommonName.StartsWith("system:node:", StringComparison.Ordinal))
                {
                    return "subject common name does not begin with system:node:";
                }
                return set.SequenceEqual(KubeletClientUsages) || set.SequenceEqual(KubeletClientUsagesNoRsa) ? null : $"usages did not match [{string.Join(" ", KubeletClientUsages)}]";
            case KubeletServing:
                if (!set.SequenceEqual(KubeletServingUsages) && !set.SequenceEqual(KubeletServingUsagesNoRsa))
                {
                    return $"usages did not match [{string.Join(" ", KubeletServingUsages)}]";
                }
                if (!request.Organizations.SequenceEqual(["system:nodes"]))
                {
                    return "subject organization is not system:nodes";
                }
                if (!request.CommonName.StartsWith("system:node:", StringComparison.Ordinal))
                {
                    return "subject common name does not begin with system:node:";
                }
                if (request.DnsNames == 0 && request.IpAddresses == 0)
                {
                    return "DNS or IP subjectAltName is required";
                }
                if (request.Emails > 0)
                {
                    return "Email subjectAltNames are not allowed";
                }
                return request.Uris > 0 ? "URI subjectAltNames are not allowed" : null;
            default:
                return null;
        }
    }

    /// <summary>The certificate's lifetime: the requested one within [10 minutes, the default], else the default.</summary>
    public static TimeSpan Duration(long? expirationSeconds)
    {
        if (expirationSeconds is not { } seconds)
        {
            return DefaultDuration;
        }
        var requested = TimeSpan.FromSeconds(seconds);
        return requested > DefaultDuration ? DefaultDuration : requested < TimeSpan.FromMinutes(10) ? TimeSpan.FromMinutes(10) : requested;
    }

    /// <summary>
    /// Signs <paramref name="request"/> with the CA: the request's subject, key and subject alternative names, the
    /// requested key usages, not a CA; valid from five minutes ago (the backdate, taken off the end too for lifetimes
    /// under eight hours) and never beyond the CA. Returns the PEM certificate.
    /// </summary>
    public static string Sign(ClusterCertificateAuthority ca, ParsedCertificateRequest request, IReadOnlyList<string> usages, TimeSpan duration, DateTimeOffset now)
    {
        var template = new CertificateRequest(request.Request.SubjectName, request.Request.PublicKey, HashAlgorithmName.SHA256);
        foreach (var san in request.Request.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            template.CertificateExtensions.Add(san);
        }
        var keyUsage = X509KeyUsageFlags.None;
        var extended = new OidCollection();
        foreach (var usage in usages)
        {
            keyUsage |= usage switch
            {
                "signing" or "digital signature" => X509KeyUsageFlags.DigitalSignature,
                "content commitment" => X509KeyUsageFlags.NonRepudiation,
                "key encipherment" => X509KeyUsageFlags.KeyEncipherment,
                "key agreement" => X509KeyUsageFlags.KeyAgreement,
                "data encipherment" => X509KeyUsageFlags.DataEncipherment,
                "cert sign" => X509KeyUsageFlags.KeyCertSign,
                "crl sign" => X509KeyUsageFlags.CrlSign,
                "encipher only" => X509KeyUsageFlags.EncipherOnly,
                "decipher only" => X509KeyUsageFlags.DecipherOnly,
                _ => X509KeyUsageFlags.None,
            };
            if (ExtendedUsageOid(usage) is { } oid)
            {
                extended.Add(new Oid(oid));
            }
        }
        if (keyUsage != X509KeyUsageFlags.None)
        {
            template.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        }
        if (extended.Count > 0)
        {
            template.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(extended, false));
        }
        template.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        template.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));
        var backdate = TimeSpan.FromMinutes(5);
        var notBefore = now - backdate;
        var notAfter = duration < TimeSpan.FromHours(8) ? now + duration - backdate : now + duration;
        if (notAfter > ca.Certificate.NotAfter)
        {
            notAfter = ca.Certificate.NotAfter;
        }
        // Go signs certificates older than their CA; .NET refuses to (an emulated clock behind the wall clock's CA).
        if (notBefore < ca.Certificate.NotBefore)
        {
            notBefore = ca.Certificate.NotBefore;
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = template.Create(ca.Certificate, notBefore, notAfter, serial);
        return certificate.ExportCertificatePem() + "\n";
    }

    private static string? ExtendedUsageOid(string usage) => usage switch
    {
        "any" => "2.5.29.37.0",
        "server auth" => "1.3.6.1.5.5.7.3.1",
        "client auth" => "1.3.6.1.5.5.7.3.2",
        "code signing" => "1.3.6.1.5.5.7.3.3",
        "email protection" or "s/mime" => "1.3.6.1.5.5.7.3.4",
        "ipsec end system" => "1.3.6.1.5.5.7.3.5",
        "ipsec tunnel" => "1.3.6.1.5.5.7.3.6",
        "ipsec user" => "1.3.6.1.5.5.7.3.7",
        "timestamping" => "1.3.6.1.5.5.7.3.8",
        "ocsp signing" => "1.3.6.1.5.5.7.3.9",
        "microsoft sgc" => "1.3.6.1.4.1.311.10.3.3",
        "netscape sgc" => "2.16.840.1.113730.4.1",
        _ => null,
    };

    // rfc822Name [1] and uniformResourceIdentifier [6] of a GeneralNames sequence.
    private static (int Emails, int Uris) CountOtherNames(byte[] raw, int emails, int uris)
    {
        try
        {
            var reader = new AsnReader(raw, AsnEncodingRules.DER).ReadSequence();
            while (reader.HasData)
            {
                var tag = reader.PeekTag();
                if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 1)
                {
                    emails++;
                }
                else if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue == 6)
                {
                    uris++;
                }
                reader.ReadEncodedValue();
            }
        }
        catch (AsnContentException)
        {
        }
        return (emails, uris);
    }
}
