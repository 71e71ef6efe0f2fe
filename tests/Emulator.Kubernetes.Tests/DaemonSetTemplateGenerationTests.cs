using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;

namespace Emulator.Kubernetes.Tests;

/// <summary>The DaemonSet strategy's template generation, kept in apps/v1 as <c>deprecated.daemonset.template.generation</c>.</summary>
public class DaemonSetTemplateGenerationTests
{
    private static readonly KindInfo DaemonSetKind = KindRegistry.Default.Resolve("apps/v1", "DaemonSet");

    private static KubeObject DaemonSet(string image, string? annotation = null)
    {
        var annotations = annotation is null ? "" : $"annotations: {{deprecated.daemonset.template.generation: \"{annotation}\"}},";
        return ManifestReader.ReadSingle("# daemonset\n{apiVersion: apps/v1, kind: DaemonSet, metadata: {name: agent, namespace: default, " + annotations
            + " labels: {app: agent}}, spec: {selector: {matchLabels: {app: agent}}, template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: a, image: "
            + image + "}]}}}}");
    }

    private static string? Generation(KubeObject ds) => ds.Annotations.GetValueOrDefault(UpdateRules.DaemonSetTemplateGenerationAnnotation);

    [Fact]
    public void Create_sets_1_unless_the_client_sent_a_positive_generation()
    {
        var plain = DaemonSet("a:1");
        UpdateRules.PrepareForCreate(plain, DaemonSetKind);
        Assert.Equal("1", Generation(plain));
        var zero = DaemonSet("a:1", "0");
        UpdateRules.PrepareForCreate(zero, DaemonSetKind);
        Assert.Equal("1", Generation(zero));
        var seven = DaemonSet("a:1", "7");
        UpdateRules.PrepareForCreate(seven, DaemonSetKind);
        Assert.Equal("7", Generation(seven));
    }

    [Fact]
    public void Update_bumps_it_only_when_the_template_changes_whatever_the_client_sends()
    {
        var old = DaemonSet("a:1");
        UpdateRules.PrepareForCreate(old, DaemonSetKind);

        var relabelled = DaemonSet("a:1", "40");
        relabelled.SetLabel("tier", "node");
        UpdateRules.PrepareForUpdate(relabelled, old, DaemonSetKind);
        Assert.Equal("1", Generation(relabelled));

        var rolled = DaemonSet("a:2", "40");
        UpdateRules.PrepareForUpdate(rolled, old, DaemonSetKind);
        Assert.Equal("2", Generation(rolled));
        Assert.Equal(2, rolled.Generation);

        var again = DaemonSet("a:3");
        UpdateRules.PrepareForUpdate(again, rolled, DaemonSetKind);
        Assert.Equal("3", Generation(again));
    }

    [Fact]
    public void Other_kinds_get_no_template_generation()
    {
        var deployment = ManifestReader.ReadSingle("""
            # deployment
            {apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: default},
             spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: a, image: b}]}}}}
            """);
        UpdateRules.PrepareForCreate(deployment, KindRegistry.Default.Resolve(deployment));
        Assert.Null(Generation(deployment));
    }
}
