namespace Emulator.EndToEnd.Tests;

/// <summary>
/// A StatefulSet with volumeClaimTemplates through real kubectl (1.33 and 1.27): apply, rollout status, scale, the
/// pv/pvc/sc tables, rollout history/undo/restart.
/// </summary>
public sealed class StatefulSetTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private static string Manifest(string ns) => $$"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {{ns}}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: web
          namespace: {{ns}}
        spec:
          serviceName: nginx
          replicas: 2
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
                volumeMounts:
                - name: www
                  mountPath: /usr/share/nginx/html
          volumeClaimTemplates:
          - metadata:
              name: www
            spec:
              accessModes: ["ReadWriteOnce"]
              resources:
                requests:
                  storage: 1Gi
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task Apply_rollout_scale_and_the_storage_tables(string version)
    {
        var kubectl = version == "1.27" ? cluster.Kubectl127 : cluster.Kubectl;
        var ns = "sts-" + version.Replace(".", "", StringComparison.Ordinal);
        var applied = (await kubectl.RunWithInput(Manifest(ns), "apply", "-f", "-")).Succeeded().Stdout;
        Assert.Contains("statefulset.apps/web created", applied);

        var rollout = (await kubectl.Run("rollout", "status", "sts/web", "-n", ns, "--timeout=120s")).Succeeded().Stdout;
        Assert.Contains("partitioned roll out complete: 2 new pods have been updated...", rollout);

        var pods = (await kubectl.Run("get", "pods", "-n", ns, "-o", "name")).Succeeded().Stdout;
        Assert.Contains("pod/web-0", pods);
        Assert.Contains("pod/web-1", pods);

        var storage = (await kubectl.Run("get", "pv,pvc,sc", "-n", ns)).Succeeded().Stdout;
        Assert.Matches(@"NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE", storage);
        Assert.Matches($@"persistentvolume/pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+Delete\s+Bound\s+{ns}/www-web-0\s+standard\s+<unset>\s+\d+s", storage);
        Assert.Matches(@"NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE", storage);
        Assert.Matches(@"persistentvolumeclaim/www-web-0\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+standard\s+<unset>\s+\d+s", storage);
        Assert.Matches(@"NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE", storage);
        Assert.Matches(@"storageclass.storage.k8s.io/standard \(default\)\s+rancher.io/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\d+", storage);

        var scaled = (await kubectl.Run("scale", "sts", "web", "-n", ns, "--replicas=3")).Succeeded().Stdout;
        Assert.Contains("statefulset.apps/web scaled", scaled);
        (await kubectl.Run("rollout", "status", "sts/web", "-n", ns, "--timeout=120s")).Succeeded();
        Assert.Equal("3", (await kubectl.Run("get", "sts", "web", "-n", ns, "-o", "jsonpath={.status.readyReplicas}")).Succeeded().Stdout);
        var claims = (await kubectl.Run("get", "pvc", "-n", ns, "-o", "name")).Succeeded().Stdout;
        Assert.Contains("persistentvolumeclaim/www-web-2", claims);

        // Scale down keeps the claims.
        (await kubectl.Run("scale", "sts", "web", "-n", ns, "--replicas=1")).Succeeded();
        (await kubectl.Run("wait", "--for=delete", "pod/web-2", "pod/web-1", "-n", ns, "--timeout=120s")).Succeeded();
        Assert.Contains("persistentvolumeclaim/www-web-2", (await kubectl.Run("get", "pvc", "-n", ns, "-o", "name")).Succeeded().Stdout);
    }

    [Fact]
    public async Task Rollout_history_undo_and_restart()
    {
        const string ns = "sts-history";
        (await cluster.Kubectl.RunWithInput(Manifest(ns), "apply", "-f", "-")).Succeeded();
        (await cluster.Kubectl.Run("rollout", "status", "sts/web", "-n", ns, "--timeout=120s")).Succeeded();
        (await cluster.Kubectl.Run("set", "image", "sts/web", "nginx=nginx:1.26", "-n", ns)).Succeeded();
        (await cluster.Kubectl.Run("rollout", "status", "sts/web", "-n", ns, "--timeout=120s")).Succeeded();
        var history = (await cluster.Kubectl.Run("rollout", "history", "sts/web", "-n", ns)).Succeeded().Stdout;
        Assert.Matches(@"REVISION\s+CHANGE-CAUSE\s*\n1\s+<none>\s*\n2\s+<none>", history);

        var undone = (await cluster.Kubectl.Run("rollout", "undo", "sts/web", "-n", ns)).Succeeded().Stdout;
        Assert.Contains("statefulset.apps/web rolled back", undone);
        (await cluster.Kubectl.Run("rollout", "status", "sts/web", "-n", ns, "--timeout=120s")).Succeeded();
        Assert.Equal("nginx:1.25", (await cluster.Kubectl.Run("get", "pod", "web-0", "-n", ns, "-o", "jsonpath={.spec.containers[0].image}")).Succeeded().Stdout);

        (await cluster.Kubectl.Run("rollout", "restart", "sts/web", "-n", ns)).Succeeded();
        (await cluster.Kubectl.Run("rollout", "status", "sts/web", "-n", ns, "--timeout=120s")).Succeeded();
        Assert.NotEmpty((await cluster.Kubectl.Run("get", "pod", "web-0", "-n", ns, "-o", "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}")).Succeeded().Stdout);
    }
}
