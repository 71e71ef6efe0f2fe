using System.Text.Json.Nodes;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Views;
using Emulator.Node.Containers;
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
        var env = PodWorker.Environment(container, pod);
        Assert.Equal(
            [("HOSTNAME", "idx-2"), ("JOB_COMPLETION_INDEX", "2"), ("POD_NS", "batch"), ("PLAIN", "v")],
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
}
