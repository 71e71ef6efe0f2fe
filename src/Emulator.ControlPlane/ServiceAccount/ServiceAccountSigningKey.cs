using System.Text;
using System.Text.Json.Nodes;
using Akka.Actor;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.ServiceAccount;

/// <summary>
/// The cluster's one service account signing key, kept in the store (the Secret
/// <c>kube-system/service-account-signing-key</c>) so that every member signs and verifies tokens with the same key —
/// the part kubeadm's <c>kubeadm-certs</c> Secret plays when control-plane nodes join. The first member to start puts
/// its key there; every later one, and every restart, uses the stored one.
/// </summary>
public static class ServiceAccountSigningKey
{
    /// <summary>The Secret's namespace.</summary>
    public const string SecretNamespace = "kube-system";

    /// <summary>The Secret's name.</summary>
    public const string SecretName = "service-account-signing-key";

    /// <summary>The key of the PEM in the Secret's data.</summary>
    public const string DataKey = "sa.key";

    private static readonly ResourceType Secrets = ResourceTypes.Of("", "secrets");

    /// <summary>
    /// The issuer of the stored key; when none is stored yet, stores <paramref name="local"/>'s (another member that
    /// stores its key first wins, and its key is used).
    /// </summary>
    public static async Task<ServiceAccountTokenIssuer> AgreeAsync(IActorRef store, Func<ServiceAccountTokenIssuer> local, TimeSpan timeout)
    {
        for (var attempt = 0; ; attempt++)
        {
            var found = await store.Ask<StoreReply>(new GetObject(Secrets, SecretNamespace, SecretName), timeout).ConfigureAwait(false);
            if (found is { IsSuccess: true, Object: { } stored }
                && JsonTree.GetString(stored.ToJsonObject(), "data", DataKey) is { } data)
            {
                return ServiceAccountTokenIssuer.FromPem(Encoding.UTF8.GetString(Convert.FromBase64String(data)));
            }
            if (found.Error is { Code: not 404 } error || attempt > 3)
            {
                throw new InvalidOperationException($"cannot read the service account signing key: {found.Error?.Message ?? "the stored Secret has no " + DataKey}");
            }
            var issuer = local();
            var secret = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = new JsonObject { ["name"] = SecretName, ["namespace"] = SecretNamespace },
                ["type"] = "Opaque",
                ["data"] = new JsonObject { [DataKey] = Convert.ToBase64String(Encoding.UTF8.GetBytes(issuer.PrivateKeyPem)) },
            };
            var created = await store.Ask<StoreReply>(new CreateObject(Secrets, secret), timeout).ConfigureAwait(false);
            if (created.IsSuccess)
            {
                return issuer;
            }
            issuer.Dispose();
            if (created.Error is not { Code: 409 })
            {
                throw new InvalidOperationException($"cannot store the service account signing key: {created.Error?.Message}");
            }
            // Another member stored its key first: read that one.
        }
    }
}

/// <summary>
/// The service account token issuer of one actor system, for the kubelets that write pods' projected token files
/// (null when the process has none: then no token file is written).
/// </summary>
public sealed class ServiceAccountTokens : IExtension
{
    /// <summary>The issuer, set once the members agreed on the key.</summary>
    public ServiceAccountTokenIssuer? Issuer { get; set; }

    /// <summary>The tokens of <paramref name="system"/>.</summary>
    public static ServiceAccountTokens Get(ActorSystem system) => system.WithExtension<ServiceAccountTokens, ServiceAccountTokensProvider>();
}

/// <summary>Creates <see cref="ServiceAccountTokens"/>.</summary>
public sealed class ServiceAccountTokensProvider : ExtensionIdProvider<ServiceAccountTokens>
{
    /// <inheritdoc />
    public override ServiceAccountTokens CreateExtension(ExtendedActorSystem system) => new();
}
