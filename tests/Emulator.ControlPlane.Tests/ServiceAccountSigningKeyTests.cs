using System.Text;
using Emulator.ControlPlane.ServiceAccount;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;

namespace Emulator.ControlPlane.Tests;

public sealed class ServiceAccountSigningKeyTests : ClusterTestKit
{
    private T Await<T>(Task<T> task)
    {
        // The store answers as the actors run: run them until the agreement's asks have all been answered.
        Assert.True(SpinWait.SpinUntil(() =>
        {
            Settle();
            return task.IsCompleted;
        }, TimeSpan.FromSeconds(30)));
        return task.Result;
    }

    [Fact]
    public void The_first_member_stores_its_key_and_every_other_member_signs_with_it()
    {
        using var first = Await(ServiceAccountSigningKey.AgreeAsync(Store, ServiceAccountTokenIssuer.CreateEphemeral, TimeSpan.FromSeconds(10)));
        var offered = ServiceAccountTokenIssuer.CreateEphemeral();
        using var second = Await(ServiceAccountSigningKey.AgreeAsync(Store, () => offered, TimeSpan.FromSeconds(10)));
        Assert.Equal(first.KeyId, second.KeyId);
        Assert.NotEqual(offered.KeyId, second.KeyId);

        var stored = Get(ResourceTypes.Of("", "secrets"), ServiceAccountSigningKey.SecretNamespace, ServiceAccountSigningKey.SecretName);
        Assert.Equal(first.PrivateKeyPem, Encoding.UTF8.GetString(Convert.FromBase64String(JsonTree.GetString(stored.Document, "data", ServiceAccountSigningKey.DataKey)!)));
        // A token one member signs, another verifies.
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var token = first.Issue(new ServiceAccountClaims("default", new TokenBinding("builder", "u-1"), ["api"], now, now.AddHours(1), "j-1"));
        Assert.Null((second.Verify(token, now) ?? default).Error);
    }
}
