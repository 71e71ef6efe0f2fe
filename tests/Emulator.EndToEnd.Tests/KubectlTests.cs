using System.Text.Json.Nodes;

namespace Emulator.EndToEnd.Tests;

public sealed class KubectlTests(EmulatorFixture cluster) : IClassFixture<EmulatorFixture>
{
    private const string AppManifests = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
          labels:
            app: web
        data:
          color: blue
        """;

    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          labels:
            app: web
        spec:
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
              - name: app
                image: nginx:1.25
        """;

    private async Task ApplyShop()
    {
        var directory = cluster.Manifests(("a.yaml", AppManifests), ("b.yaml", Deployment));
        await cluster.Kubectl.Run("apply", "-f", directory);
    }

    [Fact]
    public async Task Apply_of_a_directory_with_multi_document_yaml_creates_everything()
    {
        var directory = cluster.Manifests(("a.yaml", AppManifests.Replace("shop", "apply1")), ("b.yaml", Deployment.Replace("shop", "apply1")));
        var result = (await cluster.Kubectl.Run("apply", "-f", directory)).Succeeded();
        Assert.Contains("namespace/apply1 created", result.Stdout);
        Assert.Contains("configmap/settings created", result.Stdout);
        Assert.Contains("deployment.apps/web created", result.Stdout);
        var again = (await cluster.Kubectl.Run("apply", "-f", directory)).Succeeded();
        Assert.Contains("configmap/settings unchanged", again.Stdout);
    }

    [Fact]
    public async Task Get_prints_kubernetes_tables_and_formats()
    {
        await ApplyShop();
        var table = (await cluster.Kubectl.Run("get", "deployments", "-n", "shop")).Succeeded().Stdout;
        Assert.Matches(@"^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s*\n", table);
        // emulator up runs the controllers and nodes, so the rollout may already be under way.
        Assert.Matches(@"\nweb\s+[0-2]/2\s+[0-2]\s+[0-2]\s+\d+s", table);
        var wide = (await cluster.Kubectl.Run("get", "deploy", "web", "-n", "shop", "-o", "wide")).Succeeded().Stdout;
        Assert.Matches(@"CONTAINERS\s+IMAGES\s+SELECTOR", wide);
        Assert.Matches(@"app\s+nginx:1.25\s+app=web", wide);
        var name = (await cluster.Kubectl.Run("get", "cm", "-n", "shop", "-o", "name")).Succeeded().Stdout;
        Assert.Contains("configmap/settings", name);
        var json = JsonNode.Parse((await cluster.Kubectl.Run("get", "cm", "settings", "-n", "shop", "-o", "json")).Succeeded().Stdout)!;
        Assert.Equal("blue", json["data"]!["color"]!.GetValue<string>());
        var yaml = (await cluster.Kubectl.Run("get", "cm", "settings", "-n", "shop", "-o", "yaml")).Succeeded().Stdout;
        Assert.Contains("color: blue", yaml);
        var columns = (await cluster.Kubectl.Run("get", "deploy", "-n", "shop", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas")).Succeeded().Stdout;
        Assert.Matches(@"NAME\s+REPLICAS\s*\nweb\s+2", columns);
        var labels = (await cluster.Kubectl.Run("get", "cm", "settings", "-n", "shop", "--show-labels")).Succeeded().Stdout;
        Assert.Matches(@"LABELS\s*\nsettings\s+1\s+\S+\s+app=web", labels);
        var all = (await cluster.Kubectl.Run("get", "cm", "-A", "-l", "app=web")).Succeeded().Stdout;
        Assert.Matches(@"NAMESPACE\s+NAME\s+DATA\s+AGE", all);
        Assert.Matches(@"shop\s+settings\s+1", all);
    }

    [Fact]
    public async Task Old_kubectl_reads_the_same_tables()
    {
        await ApplyShop();
        var table = (await cluster.Kubectl127.Run("get", "ns", "shop")).Succeeded().Stdout;
        Assert.Matches(@"NAME\s+STATUS\s+AGE\s*\nshop\s+Active", table);
    }

    [Fact]
    public async Task Label_annotate_patch_and_scale_change_objects()
    {
        await ApplyShop();
        (await cluster.Kubectl.Run("label", "cm", "settings", "-n", "shop", "tier=front")).Succeeded();
        (await cluster.Kubectl.Run("annotate", "cm", "settings", "-n", "shop", "owner=team-a")).Succeeded();
        (await cluster.Kubectl.Run("patch", "cm", "settings", "-n", "shop", "--type", "merge", "-p", """{"data":{"size":"xl"}}""")).Succeeded();
        var cm = JsonNode.Parse((await cluster.Kubectl.Run("get", "cm", "settings", "-n", "shop", "-o", "json")).Succeeded().Stdout)!;
        Assert.Equal("front", cm["metadata"]!["labels"]!["tier"]!.GetValue<string>());
        Assert.Equal("team-a", cm["metadata"]!["annotations"]!["owner"]!.GetValue<string>());
        Assert.Equal("xl", cm["data"]!["size"]!.GetValue<string>());
        var scaled = (await cluster.Kubectl.Run("scale", "deploy", "web", "-n", "shop", "--replicas=4")).Succeeded().Stdout;
        Assert.Contains("deployment.apps/web scaled", scaled);
        Assert.Equal("4", (await cluster.Kubectl.Run("get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}")).Succeeded().Stdout);
    }

    [Fact]
    public async Task Replace_with_a_stale_resource_version_is_a_conflict()
    {
        await ApplyShop();
        var json = JsonNode.Parse((await cluster.Kubectl.Run("get", "cm", "settings", "-n", "shop", "-o", "json")).Succeeded().Stdout)!;
        json["data"]!["color"] = "green";
        (await cluster.Kubectl.RunWithInput(json.ToJsonString(), "replace", "-f", "-")).Succeeded();
        json["data"]!["color"] = "red";
        var conflict = await cluster.Kubectl.RunWithInput(json.ToJsonString(), "replace", "-f", "-");
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Operation cannot be fulfilled on configmaps \"settings\": the object has been modified; please apply your changes to the latest version and try again", conflict.Stderr);
    }

    [Fact]
    public async Task Errors_print_kubernetes_messages()
    {
        var missing = await cluster.Kubectl.Run("get", "cm", "nope", "-n", "default");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Error from server (NotFound): configmaps \"nope\" not found", missing.Stderr);
        var unknown = await cluster.Kubectl.RunWithInput("apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: g\n", "apply", "-f", "-");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("no matches for kind \"Gizmo\" in version \"v1\"", unknown.Stderr);
    }

    [Fact]
    public async Task Delete_of_the_applied_files_waits_until_they_are_gone()
    {
        var documents = AppManifests.Replace("shop", "gone").Split("---");
        var directory = cluster.Manifests(("a.yaml", documents[0]), ("b.yaml", documents[1]));
        (await cluster.Kubectl.Run("apply", "-f", directory)).Succeeded();
        var deleted = (await cluster.Kubectl.Run("delete", "-f", Path.Combine(directory, "b.yaml"), "--wait=true")).Succeeded().Stdout;
        Assert.Contains("configmap \"settings\" deleted", deleted);
        var missing = await cluster.Kubectl.Run("get", "cm", "settings", "-n", "gone");
        Assert.NotEqual(0, missing.ExitCode);
    }

    [Fact]
    public async Task Reapplying_a_changed_manifest_patches_it()
    {
        // kubectl applies the files of a directory in name order: the namespace first.
        var first = cluster.Manifests(("a-namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: reapply\n"), ("d.yaml", Deployment.Replace("shop", "reapply")));
        (await cluster.Kubectl.Run("apply", "-f", first)).Succeeded();
        var changed = cluster.Manifests(("d.yaml", Deployment.Replace("shop", "reapply").Replace("replicas: 2", "replicas: 5").Replace("nginx:1.25", "nginx:1.27")));
        var result = (await cluster.Kubectl.Run("apply", "-f", changed)).Succeeded().Stdout;
        Assert.Contains("deployment.apps/web configured", result);
        var deployment = JsonNode.Parse((await cluster.Kubectl.Run("get", "deploy", "web", "-n", "reapply", "-o", "json")).Succeeded().Stdout)!;
        Assert.Equal(5, deployment["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("nginx:1.27", deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(2, deployment["metadata"]!["generation"]!.GetValue<int>());
        // Defaults were filled in by the server.
        Assert.Equal("RollingUpdate", deployment["spec"]!["strategy"]!["type"]!.GetValue<string>());
        Assert.Equal("TCP", JsonNode.Parse((await cluster.Kubectl.RunWithInput(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: reapply\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n", "apply", "-f", "-", "-o", "json")).Succeeded().Stdout)!["spec"]!["ports"]![0]!["protocol"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invalid_objects_are_refused_with_kubernetes_messages()
    {
        var badName = await cluster.Kubectl.RunWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: My_Config\n", "apply", "-f", "-");
        Assert.NotEqual(0, badName.ExitCode);
        Assert.Contains("The ConfigMap \"My_Config\" is invalid: metadata.name: Invalid value: \"My_Config\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters", badName.Stderr);
        var mismatch = await cluster.Kubectl.RunWithInput(Deployment.Replace("shop", "default").Replace("    metadata:\n      labels:\n        app: web", "    metadata:\n      labels:\n        app: other"), "apply", "-f", "-");
        Assert.NotEqual(0, mismatch.ExitCode);
        Assert.Contains("spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`", mismatch.Stderr);
        var unknownField = await cluster.Kubectl.RunWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\nbogus: 1\n", "create", "-f", "-");
        Assert.NotEqual(0, unknownField.ExitCode);
        Assert.Contains("unknown field \"bogus\"", unknownField.Stderr);
    }

    [Fact]
    public async Task Get_watch_sees_changes()
    {
        (await cluster.Kubectl.RunWithInput("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: watched\n", "apply", "-f", "-")).Succeeded();
        using var watch = cluster.Kubectl.Start("get", "cm", "-n", "watched", "-w", "-o", "name");
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            (await cluster.Kubectl.RunWithInput("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seen\n  namespace: watched\n", "apply", "-f", "-")).Succeeded();
            // Every namespace also gets kube-root-ca.crt (the root CA publisher), which the watch may show first.
            var seen = new List<string?>();
            while (!seen.Contains("configmap/seen"))
            {
                seen.Add(await watch.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)));
            }
            Assert.All(seen, line => Assert.True(line is "configmap/seen" or "configmap/kube-root-ca.crt", line));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }
}
