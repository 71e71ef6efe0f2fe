namespace Emulator.EndToEnd.Tests;

/// <summary>
/// CustomResourceDefinitions through the real kubectl (1.33 and 1.27): a CRD is applied and becomes Established, its
/// resource shows in api-resources, objects apply and print with the CRD's columns, a bad object is refused with the
/// schema's path (and a CEL rule's message), the scale subresource works, and deleting the CRD removes its objects and
/// its resource. Each client works with its own API group.
/// </summary>
public sealed class CustomResourceEndToEndTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private static string Definition(string group) => $$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: crontabs.{{group}}
        spec:
          group: {{group}}
          scope: Namespaced
          names:
            plural: crontabs
            singular: crontab
            kind: CronTab
            shortNames: [ct]
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale:
                specReplicasPath: .spec.replicas
                statusReplicasPath: .status.replicas
            additionalPrinterColumns:
            - name: Spec
              type: string
              jsonPath: .spec.cronSpec
            - name: Replicas
              type: integer
              jsonPath: .spec.replicas
            - name: Age
              type: date
              jsonPath: .metadata.creationTimestamp
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [cronSpec]
                    x-kubernetes-validations:
                    - rule: "self.replicas <= 10"
                      message: replicas may not be more than 10
                    properties:
                      cronSpec:
                        type: string
                        pattern: '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'
                      image:
                        type: string
                      replicas:
                        type: integer
                        minimum: 1
                        default: 1
                  status:
                    type: object
                    properties:
                      replicas:
                        type: integer
        """;

    private static string CronTab(string group, string ns, string name, string cronSpec, string replicas = "1") => $"""
        apiVersion: {group}/v1
        kind: CronTab
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          cronSpec: "{cronSpec}"
          image: my-awesome-cron-image
          replicas: {replicas}
        """;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.27")]
    public async Task A_CRD_serves_validates_prints_scales_and_goes_away_with_its_objects(string version)
    {
        var kubectl = cluster.NewClient(version);
        var suffix = version.Replace('.', '-');
        var group = $"e2e-{suffix}.example.com";
        var ns = "crd-" + suffix;
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();

        await Ok("create", "namespace", ns);
        Assert.Contains($"customresourcedefinition.apiextensions.k8s.io/crontabs.{group} created", (await kubectl.RunWithInput(Definition(group), "apply", "-f", "-")).Succeeded().Stdout);
        await Ok("wait", "--for", "condition=established", $"crd/crontabs.{group}", "--timeout=30s");
        Assert.Matches($@"(?m)^crontabs\s+ct\s+{group.Replace(".", "\\.", StringComparison.Ordinal)}/v1\s+true\s+CronTab", (await Ok("api-resources", "--api-group", group)).Stdout);

        Assert.Contains($"crontab.{group}/nightly created", (await kubectl.RunWithInput(CronTab(group, ns, "nightly", "0 3 * * *"), "apply", "-f", "-")).Succeeded().Stdout);
        var table = (await Ok("get", $"crontabs.{group}", "-n", ns)).Stdout;
        Assert.Matches(@"NAME\s+SPEC\s+REPLICAS\s+AGE", table);
        Assert.Matches(@"(?m)^nightly\s+0 3 \* \* \*\s+1\s+\d+s", table);

        var bad = await kubectl.RunWithInput(CronTab(group, ns, "bad", "every night", "\"three\""), "apply", "-f", "-");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("The CronTab \"bad\" is invalid", bad.Stderr);
        Assert.Contains("spec.cronSpec: Invalid value: \"every night\": spec.cronSpec in body should match", bad.Stderr);
        Assert.Contains("spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"", bad.Stderr);
        var tooMany = await kubectl.RunWithInput(CronTab(group, ns, "busy", "* * * * *", "11"), "apply", "-f", "-");
        Assert.Contains("spec: Invalid value: \"object\": replicas may not be more than 10", tooMany.Stderr);

        Assert.Contains($"crontab.{group}/nightly scaled", (await Ok("scale", $"crontab.{group}/nightly", "-n", ns, "--replicas=3")).Stdout);
        Assert.Equal("3", (await Ok("get", $"crontab.{group}/nightly", "-n", ns, "-o", "jsonpath={.spec.replicas}")).Stdout.Trim());

        Assert.Contains($"customresourcedefinition.apiextensions.k8s.io \"crontabs.{group}\" deleted", (await Ok("delete", "crd", $"crontabs.{group}", "--timeout=60s")).Stdout);
        var gone = await kubectl.Run("get", $"crontabs.{group}", "-n", ns);
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("the server doesn't have a resource type", gone.Stderr);
    }

    /// <summary>
    /// CRD bundles shaped like the cert-manager and Prometheus operator ones (Manifests/custom-resources): the CRDs install,
    /// their example objects apply, print with the bundles' columns, and a bad one is refused by its enum.
    /// </summary>
    [Fact]
    public async Task Operator_style_CRD_bundles_install_and_their_examples_apply()
    {
        var kubectl = cluster.NewClient("1.33");
        var directory = Path.Combine(AppContext.BaseDirectory, "Manifests", "custom-resources");
        async Task<KubectlResult> Ok(params string[] args) => (await kubectl.Run(args)).Succeeded();

        await Ok("create", "namespace", "crd-bundles");
        foreach (var crd in System.IO.Directory.GetFiles(directory, "0*-crd.yaml").Order(StringComparer.Ordinal))
        {
            Assert.Contains("created", (await Ok("apply", "-f", crd)).Stdout);
        }
        await Ok("wait", "--for", "condition=established", "crd/certificates.certs.example.io", "crd/servicemonitors.monitoring.example.io", "--timeout=30s");
        var applied = (await Ok("apply", "-f", Path.Combine(directory, "10-examples.yaml"))).Stdout;
        Assert.Contains("certificate.certs.example.io/example-com created", applied);
        Assert.Contains("servicemonitor.monitoring.example.io/example-app created", applied);

        Assert.Matches(@"(?m)^NAME\s+READY\s+SECRET\s+AGE\s*$", (await Ok("get", "certs", "-n", "crd-bundles")).Stdout.Split('\n')[0]);
        Assert.Matches(@"(?m)^example-com\s+example-com-tls\s+\d+s", (await Ok("get", "certs", "-n", "crd-bundles")).Stdout);
        Assert.Contains("ISSUER", (await Ok("get", "certs", "-n", "crd-bundles", "-o", "wide")).Stdout);
        Assert.Contains("example-app", (await Ok("get", "smon", "-n", "crd-bundles")).Stdout);

        var bad = await kubectl.RunWithInput("""
            apiVersion: certs.example.io/v1
            kind: Certificate
            metadata:
              name: bad
              namespace: crd-bundles
            spec:
              secretName: x
              privateKey:
                algorithm: DSA
              issuerRef:
                name: ca-issuer
            """, "apply", "-f", "-");
        Assert.Contains("spec.privateKey.algorithm: Unsupported value: \"DSA\": supported values: \"RSA\", \"ECDSA\", \"Ed25519\"", bad.Stderr);
    }
}
