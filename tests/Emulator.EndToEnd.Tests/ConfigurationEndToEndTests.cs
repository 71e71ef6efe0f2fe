namespace Emulator.EndToEnd.Tests;

/// <summary>
/// ConfigMaps and Secrets as a user meets them with the real kubectl: created with <c>kubectl create</c>, read by a
/// pod through its environment and its mounted files (<c>kubectl exec -- env</c>, <c>cat</c>, <c>ls</c>); a pod
/// whose ConfigMap is missing waits (<c>FailedMount</c>, <c>CreateContainerConfigError</c>) until it is created.
/// </summary>
public sealed class ConfigurationEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string App(string ns) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
          namespace: {ns}
          labels:
            tier: backend
        spec:
          containers:
          - name: app
            image: busybox:1.36
            command: ["sh", "-c", "echo started as $(MODE); sleep 3600"]
            envFrom:
            - configMapRef:
                name: settings
            env:
            - name: PASSWORD
              valueFrom:
                secretKeyRef:
                  name: creds
                  key: password
            volumeMounts:
            - name: config
              mountPath: /etc/app
            - name: info
              mountPath: /etc/podinfo
          volumes:
          - name: config
            configMap:
              name: settings
          - name: info
            downwardAPI:
              items:
              - path: labels
                fieldRef:
                  fieldPath: metadata.labels
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task A_pod_reads_its_config_map_and_secret_through_env_and_files(string version)
    {
        var kubectl = cluster.NewClient(version);
        var ns = "config-" + version.Replace(".", "", StringComparison.Ordinal);
        (await kubectl.Run("create", "namespace", ns)).Succeeded();
        (await kubectl.Run("create", "secret", "generic", "creds", "--from-literal=password=s3cr3t", "-n", ns)).Succeeded();
        (await kubectl.RunWithInput(App(ns), "apply", "-f", "-")).Succeeded();

        // The ConfigMap does not exist yet: its volume cannot be mounted, and kubectl shows why.
        await Polling.Eventually("FailedMount",
            async () => (await kubectl.Run("describe", "pod", "app", "-n", ns)).Stdout,
            output => output.Contains("MountVolume.SetUp failed for volume \"config\" : configmap \"settings\" not found", StringComparison.Ordinal));
        Assert.Contains("ContainerCreating", (await kubectl.Run("get", "pod", "app", "-n", ns, "--no-headers")).Succeeded().Stdout);
        // A container whose environment names a missing ConfigMap is not created either.
        (await kubectl.Run("run", "env-only", "--image=busybox:1.36", "-n", ns, "--overrides",
            """{"spec":{"containers":[{"name":"env-only","image":"busybox:1.36","envFrom":[{"configMapRef":{"name":"absent"}}]}]}}""")).Succeeded();
        await Polling.Eventually("CreateContainerConfigError",
            async () => (await kubectl.Run("get", "pod", "env-only", "-n", ns, "--no-headers")).Stdout,
            output => output.Contains("CreateContainerConfigError", StringComparison.Ordinal));
        Assert.Contains("Error: configmap \"absent\" not found", (await kubectl.Run("describe", "pod", "env-only", "-n", ns)).Succeeded().Stdout);

        (await kubectl.Run("create", "configmap", "settings", "--from-literal=MODE=fast", "--from-literal=LEVEL=3", "-n", ns)).Succeeded();
        (await kubectl.Run("wait", "--for=condition=Ready", "pod/app", "-n", ns, "--timeout=60s")).Succeeded();

        var env = (await kubectl.Run("exec", "app", "-n", ns, "--", "env")).Succeeded().Stdout.Split('\n');
        Assert.Contains("MODE=fast", env);
        Assert.Contains("LEVEL=3", env);
        Assert.Contains("PASSWORD=s3cr3t", env);
        Assert.Equal("started as fast\n", (await kubectl.Run("logs", "app", "-n", ns)).Succeeded().Stdout);

        Assert.Equal("LEVEL\nMODE\n", (await kubectl.Run("exec", "app", "-n", ns, "--", "ls", "/etc/app")).Succeeded().Stdout);
        Assert.Equal("fast\n", (await kubectl.Run("exec", "app", "-n", ns, "--", "cat", "/etc/app/MODE")).Succeeded().Stdout);
        Assert.Equal("tier=\"backend\"\n", (await kubectl.Run("exec", "app", "-n", ns, "--", "cat", "/etc/podinfo/labels")).Succeeded().Stdout);
        // The service account volume every pod gets: the namespace and the cluster's CA from kube-root-ca.crt.
        Assert.Equal(ns + "\n", (await kubectl.Run("exec", "app", "-n", ns, "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace")).Succeeded().Stdout);
        var ca = (await kubectl.Run("exec", "app", "-n", ns, "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt")).Succeeded().Stdout;
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", ca, StringComparison.Ordinal);

        // The token file holds a token the API server accepts: the pod's service account, bound to the pod.
        var files = (await kubectl.Run("exec", "app", "-n", ns, "--", "ls", "/var/run/secrets/kubernetes.io/serviceaccount")).Succeeded().Stdout;
        Assert.Equal("ca.crt\nnamespace\ntoken\n", files);
        var token = (await kubectl.Run("exec", "app", "-n", ns, "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token")).Succeeded().Stdout.Trim();
        using var http = new HttpClient { BaseAddress = cluster.Emulator.ApiAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews")
        {
            Content = new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var review = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal($"system:serviceaccount:{ns}:default", (string?)review["status"]?["userInfo"]?["username"]);
        Assert.Equal("app", (string?)review["status"]?["userInfo"]?["extra"]?["authentication.kubernetes.io/pod-name"]?[0]);

        var missing = await kubectl.Run("exec", "app", "-n", ns, "--", "cat", "/etc/app/NOPE");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("cat: can't open '/etc/app/NOPE': No such file or directory", missing.Stdout + missing.Stderr);
    }
}
