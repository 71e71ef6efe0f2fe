using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Node.Containers;
using Emulator.Node.Hosting;
using Emulator.Node.Kubelet;

namespace Emulator.Node.Tests;

public sealed class KubeletEnvironmentTests
{
    private static KubeObject IndexedJobPod(string? hostname) => new(JsonNode.Parse("""
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"idx-2-x7k2p","namespace":"batch","uid":"u-1",
           "labels":{"batch.kubernetes.io/job-completion-index":"2"},
           "annotations":{"batch.kubernetes.io/job-completion-index":"2"}},
         "spec":{HOSTNAME"nodeName":"node-1","containers":[{"name":"main","image":"busybox",
           "command":["sh","-c","echo index=$JOB_COMPLETION_INDEX; hostname; printenv POD_NS"],
           "env":[{"name":"JOB_COMPLETION_INDEX","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.labels['batch.kubernetes.io/job-completion-index']"}}},
                  {"name":"POD_NS","valueFrom":{"fieldRef":{"fieldPath":"metadata.namespace"}}},
                  {"name":"SECRET","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}},
                  {"name":"PLAIN","value":"v"}]}]},
         "status":{"podIP":"10.244.1.7"}}
        """.Replace("HOSTNAME", hostname is null ? "" : $"\"hostname\":\"{hostname}\",", StringComparison.Ordinal))!.AsObject());

    [Fact]
    public void Field_references_and_the_hostname_reach_the_container()
    {
        var pod = IndexedJobPod("idx-2");
        var container = new PodView(pod).Containers[0];
        var sources = new PodConfigSources();
        sources.Set(ConfigSource.Secret("s"), new KubeObject(JsonNode.Parse("""{"kind":"Secret","data":{"k":"c2VjcmV0"}}""")!.AsObject()));
        var (env, error) = PodWorker.Environment(container, pod, sources);
        Assert.Null(error);
        Assert.Equal(
            [("HOSTNAME", "idx-2"), ("JOB_COMPLETION_INDEX", "2"), ("POD_NS", "batch"), ("SECRET", "secret"), ("PLAIN", "v")],
            env.Select(e => (e.Key, e.Value)));
        var script = ContainerScript.Interpret(container.Command, container.Args, env);
        Assert.Equal(["index=2", "idx-2", "batch"], script.Lines.Select(l => l.Text));
        Assert.Equal(0, script.ExitCode);
    }

    [Fact]
    public void Without_spec_hostname_the_pod_name_is_the_hostname()
    {
        Assert.Equal("idx-2-x7k2p", PodWorker.Hostname(IndexedJobPod(null)));
    }

    private static KubeObject ConfiguredPod() => new(JsonNode.Parse("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop","uid":"u-2"},
         "spec":{"nodeName":"node-1","containers":[{"name":"main","image":"busybox",
           "command":["echo","$(GREETING) from $(POD)","$$(POD)","$(UNSET)"],
           "resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"250m"}},
           "envFrom":[{"configMapRef":{"name":"settings"},"prefix":"APP_"},{"secretRef":{"name":"gone","optional":true}}],
           "env":[{"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
                  {"name":"GREETING","valueFrom":{"configMapKeyRef":{"name":"settings","key":"greeting"}}},
                  {"name":"MESSAGE","value":"$(GREETING), $(POD)!"},
                  {"name":"MAYBE","valueFrom":{"configMapKeyRef":{"name":"settings","key":"absent","optional":true}}},
                  {"name":"MEMORY_MI","valueFrom":{"resourceFieldRef":{"resource":"limits.memory","divisor":"1Mi"}}},
                  {"name":"CPU_LIMIT","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu"}}},
                  {"name":"CPU_REQUEST_M","valueFrom":{"resourceFieldRef":{"resource":"requests.cpu","divisor":"1m"}}}]}]}}
        """)!.AsObject());

    private static KubeObject Settings(string data) => new(JsonNode.Parse("""{"kind":"ConfigMap","data":{""" + data + "}}")!.AsObject());

    [Fact]
    public void Config_maps_and_secrets_fill_the_environment_and_expand_references()
    {
        var pod = ConfiguredPod();
        var sources = new PodConfigSources();
        sources.Set(ConfigSource.ConfigMap("settings"), Settings("\"greeting\":\"hello\",\"mode\":\"fast\",\"bad key\":\"x\""));
        sources.Set(ConfigSource.Secret("gone"), null);
        var node = new NodeHostOptions(Cpu: "4", Memory: "16Gi").Nodes().First();
        var container = new PodView(pod).Containers[0];
        var (env, error) = PodWorker.Environment(container, pod, sources, node: node);
        Assert.Null(error);
        // envFrom keys that are no variable names ("bad key") are skipped, as the kubelet does (with an event).
        Assert.Equal(
            [("HOSTNAME", "web"), ("APP_greeting", "hello"), ("APP_mode", "fast"), ("POD", "web"), ("GREETING", "hello"), ("MESSAGE", "hello, web!"),
             ("MEMORY_MI", "256"), ("CPU_LIMIT", "4"), ("CPU_REQUEST_M", "250")],
            env.Select(e => (e.Key, e.Value)));
    }

    [Theory]
    [InlineData(null, "configmap \"settings\" not found")]
    [InlineData("\"mode\":\"fast\"", "couldn't find key greeting in ConfigMap shop/settings")]
    public void A_missing_config_map_or_key_is_the_kubelets_error(string? data, string expected)
    {
        var pod = ConfiguredPod();
        var sources = new PodConfigSources();
        sources.Set(ConfigSource.ConfigMap("settings"), data is null ? null : Settings(data));
        sources.Set(ConfigSource.Secret("gone"), null);
        var (_, error) = PodWorker.Environment(new PodView(pod).Containers[0], pod, sources);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("$(A)-$(B)", "1-$(B)")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$A $(A", "$A $(A")]
    [InlineData("cost: 5$", "cost: 5$")]
    public void Variable_references_expand_as_Kubernetes_expands_them(string text, string expected)
    {
        Assert.Equal(expected, PodWorker.Expand(text, name => name == "A" ? "1" : null));
    }
}
