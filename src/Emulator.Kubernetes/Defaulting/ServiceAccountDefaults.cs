using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>
/// What the ServiceAccount admission plugin adds to a pod on create (<c>plugin/pkg/admission/serviceaccount</c>):
/// the projected <c>kube-api-access-xxxxx</c> volume (a bound token, the cluster's root CA and the namespace) and its
/// read-only mount at <c>/var/run/secrets/kubernetes.io/serviceaccount</c> in every init and app container.
/// </summary>
public static class ServiceAccountDefaults
{
    /// <summary>Where the token volume is mounted (<c>DefaultAPITokenMountPath</c>).</summary>
    public const string TokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>Prefix of the token volume's name (<c>ServiceAccountVolumeName</c>).</summary>
    public const string TokenVolumePrefix = "kube-api-access-";

    /// <summary>The ConfigMap holding the cluster's root CA, published in every namespace.</summary>
    public const string RootCaConfigMap = "kube-root-ca.crt";

    /// <summary>The token's lifetime the admission plugin requests: one hour plus 7 s (<c>warnOnlyBoundTokenExpirationSeconds</c>).</summary>
    public const int TokenExpirationSeconds = 3607;

    /// <summary>The name of the ServiceAccount every namespace has.</summary>
    public const string DefaultServiceAccount = "default";

    // utilrand's alphabet for generated names: no vowels, no ambiguous characters.
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>
    /// Mounts the token volume into every container without a mount at <see cref="TokenMountPath"/>, unless the pod
    /// opts out (<c>automountServiceAccountToken: false</c>) or is a mirror pod. The volume's random suffix derives from
    /// <paramref name="seed"/> (the pod's uid), so the same pod always gets the same name.
    /// </summary>
    public static void MountToken(KubeObject pod, string seed)
    {
        var spec = pod.EnsureSpec();
        if (JsonTree.GetBool(spec, "automountServiceAccountToken") == false
            || JsonTree.GetString(pod.Metadata, "annotations", "kubernetes.io/config.mirror") is not null)
        {
            return;
        }
        var volumes = spec["volumes"] as JsonArray;
        var existing = JsonTree.Objects(volumes).Select(v => JsonTree.GetString(v, "name") ?? "")
            .FirstOrDefault(n => n.StartsWith(TokenVolumePrefix, StringComparison.Ordinal));
        var volumeName = existing ?? TokenVolumePrefix + Suffix(seed);
        var needsVolume = false;
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var container in JsonTree.Objects(spec[list] as JsonArray))
            {
                var mounts = container["volumeMounts"] as JsonArray;
                // An existing mount at the token path (the user's own) prevents the automatic one.
                if (JsonTree.Objects(mounts).Any(m => JsonTree.GetString(m, "mountPath") == TokenMountPath))
                {
                    continue;
                }
                mounts ??= (JsonArray)(container["volumeMounts"] = new JsonArray());
                mounts.Add(new JsonObject { ["name"] = volumeName, ["readOnly"] = true, ["mountPath"] = TokenMountPath });
                needsVolume = true;
            }
        }
        if (existing is null && needsVolume)
        {
            volumes ??= (JsonArray)(spec["volumes"] = new JsonArray());
            volumes.Add(new JsonObject { ["name"] = volumeName, ["projected"] = TokenVolumeSource() });
        }
    }

    /// <summary>The projected source of the token volume, field for field as 1.33 shows it.</summary>
    public static JsonObject TokenVolumeSource() => new()
    {
        ["sources"] = new JsonArray(
            new JsonObject { ["serviceAccountToken"] = new JsonObject { ["expirationSeconds"] = TokenExpirationSeconds, ["path"] = "token" } },
            new JsonObject
            {
                ["configMap"] = new JsonObject
                {
                    ["name"] = RootCaConfigMap,
                    ["items"] = new JsonArray(new JsonObject { ["key"] = "ca.crt", ["path"] = "ca.crt" }),
                },
            },
            new JsonObject
            {
                ["downwardAPI"] = new JsonObject
                {
                    ["items"] = new JsonArray(new JsonObject
                    {
                        ["path"] = "namespace",
                        ["fieldRef"] = new JsonObject { ["apiVersion"] = "v1", ["fieldPath"] = "metadata.namespace" },
                    }),
                },
            }),
        ["defaultMode"] = PodSpecDefaults.DefaultVolumeMode,
    };

    private static string Suffix(string seed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        var chars = new char[5];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[hash[i] % Alphabet.Length];
        }
        return new string(chars);
    }
}
