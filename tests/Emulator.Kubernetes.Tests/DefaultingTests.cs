using System.Text.Json.Nodes;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Serialization;

namespace Emulator.Kubernetes.Tests;

public class DefaultingTests
{
    private static KubeObject Defaulted(string yaml)
    {
        var obj = ManifestReader.ReadSingle(yaml);
        ObjectDefaulter.Apply(obj);
        return obj;
    }

    private static string? S(KubeObject obj, params string[] path) => JsonTree.GetString(obj.Document, path);

    private static long? I(KubeObject obj, params string[] path) => JsonTree.GetInt(obj.Document, path);

    [Theory]
    [InlineData("""
        apiVersion: v1
        kind: Node
        metadata: {name: n1}
        status:
          capacity: {cpu: "2", memory: 1024Mi, pods: "110"}
        """)]
    [InlineData("""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: c, namespace: default}
        spec: {resources: {requests: {storage: 1024Mi}}}
        status: {capacity: {storage: 1024Mi}}
        """)]
    [InlineData("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: default}
        spec:
          containers:
          - name: app
            image: nginx
            resources: {requests: {memory: 1024Mi}}
        status:
          phase: Running
          containerStatuses:
          - {name: app, ready: true, allocatedResources: {memory: 1024Mi}}
        """)]
    public void A_status_write_gets_the_status_the_full_defaults_give_and_leaves_the_stored_rest_as_it_is(string yaml)
    {
        var full = ManifestReader.ReadSingle(yaml);
        ObjectDefaulter.Apply(full);
        var statusOnly = ManifestReader.ReadSingle(yaml);
        var spec = statusOnly.Document["spec"]?.DeepClone();

        ObjectDefaulter.ApplyStatus(statusOnly);

        Assert.True(JsonNode.DeepEquals(full.Document["status"], statusOnly.Document["status"]), statusOnly.Document["status"]?.ToJsonString());
        if (statusOnly.Kind == "Pod")
        {
            Assert.True(JsonNode.DeepEquals(spec, statusOnly.Document["spec"]));
        }
    }

    [Fact]
    public void A_node_status_write_gets_allocatable_from_capacity_in_canonical_form()
    {
        var node = ManifestReader.ReadSingle("""
            apiVersion: v1
            kind: Node
            metadata: {name: n1}
            status:
              capacity: {cpu: "2", memory: 1024Mi}
            """);
        ObjectDefaulter.ApplyStatus(node);
        Assert.Equal("1Gi", S(node, "status", "allocatable", "memory"));
        Assert.Equal("1Gi", S(node, "status", "capacity", "memory"));
    }

    private const string PodYaml = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: default}
        spec:
          containers:
          - name: app
            image: nginx
            ports:
            - containerPort: 80
            resources:
              limits: {cpu: 500m, memory: 128Mi}
            livenessProbe:
              httpGet: {port: 80}
          - name: pinned
            image: registry.local:5000/app:1.2
          - name: digest
            image: app@sha256:abcd
          - name: latest
            image: busybox:latest
          volumes:
          - name: scratch
          - name: cfg
            configMap: {name: c}
        """;

    [Fact]
    public void Pod_spec_defaults()
    {
        var pod = Defaulted(PodYaml);
        Assert.Equal("Always", S(pod, "spec", "restartPolicy"));
        Assert.Equal("ClusterFirst", S(pod, "spec", "dnsPolicy"));
        Assert.Equal(30, I(pod, "spec", "terminationGracePeriodSeconds"));
        Assert.Equal("default-scheduler", S(pod, "spec", "schedulerName"));
        Assert.True(JsonTree.GetBool(pod.Document, "spec", "enableServiceLinks"));
        Assert.Equal("{}", JsonTree.ToCompactJson(JsonTree.Get(pod.Document, "spec", "securityContext")));
    }

    [Fact]
    public void Container_defaults_follow_image_pull_policy_rules()
    {
        var containers = JsonTree.GetArray(Defaulted(PodYaml).Document, "spec", "containers")!.Cast<JsonObject>().ToList();
        Assert.Equal(["Always", "IfNotPresent", "IfNotPresent", "Always"], containers.Select(c => JsonTree.GetString(c, "imagePullPolicy")));
        Assert.All(containers, c => Assert.Equal("/dev/termination-log", JsonTree.GetString(c, "terminationMessagePath")));
        Assert.All(containers, c => Assert.Equal("File", JsonTree.GetString(c, "terminationMessagePolicy")));
        Assert.Equal("TCP", JsonTree.AsString(containers[0]["ports"]![0]!["protocol"]));
    }

    [Fact]
    public void Requests_default_to_limits_on_pods_only()
    {
        var pod = Defaulted(PodYaml);
        Assert.Equal("""{"cpu":"500m","memory":"128Mi"}""", JsonTree.ToCompactJson(JsonTree.Get(pod.Document, "spec", "containers")![0]!["resources"]!["requests"]));
        var deployment = Defaulted("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: d}
            spec:
              template:
                spec:
                  containers:
                  - {name: app, image: nginx, resources: {limits: {cpu: "1"}}}
            """);
        Assert.Null(JsonTree.Get(deployment.Document, "spec", "template", "spec", "containers")![0]!["resources"]!["requests"]);
        Assert.Null(JsonTree.Get(deployment.Document, "spec", "template", "spec", "enableServiceLinks"));
    }

    [Fact]
    public void Quantities_are_stored_in_canonical_form()
    {
        var pod = Defaulted("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              containers:
              - name: a
                image: b
                resources: {requests: {cpu: 0.5, memory: 1073741824}, limits: {cpu: 1, memory: 1.5Gi, nvidia.com/gpu: 1}}
            """);
        var resources = JsonTree.Get(pod.Document, "spec", "containers")![0]!["resources"]!;
        Assert.Equal("""{"requests":{"cpu":"500m","memory":"1073741824","nvidia.com/gpu":"1"},"limits":{"cpu":"1","memory":"1536Mi","nvidia.com/gpu":"1"}}""", JsonTree.ToCompactJson(resources));
    }

    [Fact]
    public void Probe_and_volume_defaults()
    {
        var pod = Defaulted(PodYaml);
        var probe = (JsonObject)JsonTree.Get(pod.Document, "spec", "containers")![0]!["livenessProbe"]!;
        Assert.Equal(1, JsonTree.GetInt(probe, "timeoutSeconds"));
        Assert.Equal(10, JsonTree.GetInt(probe, "periodSeconds"));
        Assert.Equal(1, JsonTree.GetInt(probe, "successThreshold"));
        Assert.Equal(3, JsonTree.GetInt(probe, "failureThreshold"));
        Assert.Equal("/", JsonTree.GetString(probe, "httpGet", "path"));
        Assert.Equal("HTTP", JsonTree.GetString(probe, "httpGet", "scheme"));
        var volumes = JsonTree.GetArray(pod.Document, "spec", "volumes")!;
        Assert.Equal("{}", JsonTree.ToCompactJson(volumes[0]!["emptyDir"]));
        Assert.Equal(420, JsonTree.AsInt(volumes[1]!["configMap"]!["defaultMode"]));
    }

    [Fact]
    public void Pod_create_adds_service_account_tolerations_priority_and_pending_status()
    {
        var pod = Defaulted(PodYaml);
        CreateDefaults.Apply(pod);
        Assert.Equal("default", S(pod, "spec", "serviceAccountName"));
        Assert.Equal("default", S(pod, "spec", "serviceAccount"));
        Assert.Equal(0, I(pod, "spec", "priority"));
        Assert.Equal("PreemptLowerPriority", S(pod, "spec", "preemptionPolicy"));
        Assert.Equal(
            """[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]""",
            JsonTree.ToCompactJson(JsonTree.Get(pod.Document, "spec", "tolerations")));
        Assert.Equal("Pending", S(pod, "status", "phase"));
        Assert.Equal("Burstable", S(pod, "status", "qosClass"));
    }

    [Fact]
    public void Existing_not_ready_toleration_is_not_duplicated()
    {
        var pod = Defaulted("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              containers: [{name: a, image: b}]
              tolerations:
              - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 10}
            """);
        CreateDefaults.Apply(pod);
        var tolerations = JsonTree.GetArray(pod.Document, "spec", "tolerations")!;
        Assert.Equal(2, tolerations.Count);
        Assert.Equal(10, JsonTree.AsInt(tolerations[0]!["tolerationSeconds"]));
        Assert.Equal("BestEffort", S(pod, "status", "qosClass"));
    }

    [Fact]
    public void Qos_classes()
    {
        JsonObject Spec(string resources) => (JsonObject)JsonNode.Parse($$"""{"containers":[{"name":"a","resources":{{resources}}}]}""")!;
        Assert.Equal("Guaranteed", QualityOfService.Classify(Spec("""{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"1000m","memory":"1Gi"}}""")));
        Assert.Equal("Burstable", QualityOfService.Classify(Spec("""{"requests":{"cpu":"1"}}""")));
        Assert.Equal("BestEffort", QualityOfService.Classify(Spec("{}")));
    }

    [Fact]
    public void Deployment_defaults()
    {
        var d = Defaulted("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: app, image: "nginx:1.25", ports: [{containerPort: 80}]}]
            """);
        Assert.Equal(1, I(d, "spec", "replicas"));
        Assert.Equal("""{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}}""", JsonTree.ToCompactJson(JsonTree.Get(d.Document, "spec", "strategy")));
        Assert.Equal(10, I(d, "spec", "revisionHistoryLimit"));
        Assert.Equal(600, I(d, "spec", "progressDeadlineSeconds"));
        Assert.Equal("Always", S(d, "spec", "template", "spec", "restartPolicy"));
        Assert.Equal("TCP", JsonTree.AsString(JsonTree.Get(d.Document, "spec", "template", "spec", "containers")![0]!["ports"]![0]!["protocol"]));
        Assert.Equal("IfNotPresent", JsonTree.AsString(JsonTree.Get(d.Document, "spec", "template", "spec", "containers")![0]!["imagePullPolicy"]));
    }

    [Fact]
    public void Recreate_deployment_gets_no_rolling_update()
    {
        var d = Defaulted("""{"apiVersion":"apps/v1","kind":"Deployment","spec":{"strategy":{"type":"Recreate"}}}""");
        Assert.Equal("""{"type":"Recreate"}""", JsonTree.ToCompactJson(JsonTree.Get(d.Document, "spec", "strategy")));
    }

    [Fact]
    public void Defaulting_keeps_explicit_values_and_is_idempotent()
    {
        var d = Defaulted("""{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":0,"revisionHistoryLimit":2,"strategy":{"rollingUpdate":{"maxSurge":1}}}}""");
        Assert.Equal(0, I(d, "spec", "replicas"));
        Assert.Equal(2, I(d, "spec", "revisionHistoryLimit"));
        Assert.Equal(1, I(d, "spec", "strategy", "rollingUpdate", "maxSurge"));
        Assert.Equal("25%", S(d, "spec", "strategy", "rollingUpdate", "maxUnavailable"));
        var before = d.ToJson();
        ObjectDefaulter.Apply(d);
        Assert.Equal(before, d.ToJson());
    }

    [Fact]
    public void ReplicaSet_defaults_replicas()
    {
        Assert.Equal(1, I(Defaulted("""{"apiVersion":"apps/v1","kind":"ReplicaSet","spec":{}}"""), "spec", "replicas"));
    }

    [Fact]
    public void StatefulSet_defaults()
    {
        var s = Defaulted("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              serviceName: db
              volumeClaimTemplates:
              - metadata: {name: data}
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            """);
        Assert.Equal(1, I(s, "spec", "replicas"));
        Assert.Equal("OrderedReady", S(s, "spec", "podManagementPolicy"));
        Assert.Equal("""{"type":"RollingUpdate","rollingUpdate":{"partition":0}}""", JsonTree.ToCompactJson(JsonTree.Get(s.Document, "spec", "updateStrategy")));
        Assert.Equal(10, I(s, "spec", "revisionHistoryLimit"));
        Assert.Equal("""{"whenDeleted":"Retain","whenScaled":"Retain"}""", JsonTree.ToCompactJson(JsonTree.Get(s.Document, "spec", "persistentVolumeClaimRetentionPolicy")));
        var claim = (JsonObject)JsonTree.GetArray(s.Document, "spec", "volumeClaimTemplates")![0]!;
        Assert.Equal("Filesystem", JsonTree.GetString(claim, "spec", "volumeMode"));
        Assert.Equal("Pending", JsonTree.GetString(claim, "status", "phase"));
        Assert.Equal("PersistentVolumeClaim", JsonTree.GetString(claim, "kind"));
    }

    [Fact]
    public void DaemonSet_defaults()
    {
        var ds = Defaulted("""{"apiVersion":"apps/v1","kind":"DaemonSet","spec":{}}""");
        Assert.Equal("""{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}}""", JsonTree.ToCompactJson(JsonTree.Get(ds.Document, "spec", "updateStrategy")));
        Assert.Equal(10, I(ds, "spec", "revisionHistoryLimit"));
    }

    [Fact]
    public void Job_defaults_and_generated_selector()
    {
        var job = Defaulted("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: pi, namespace: default}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: pi, image: perl}]
            """);
        Assert.Equal(1, I(job, "spec", "completions"));
        Assert.Equal(1, I(job, "spec", "parallelism"));
        Assert.Equal(6, I(job, "spec", "backoffLimit"));
        Assert.Equal("NonIndexed", S(job, "spec", "completionMode"));
        Assert.False(JsonTree.GetBool(job.Document, "spec", "suspend"));
        Assert.False(JsonTree.GetBool(job.Document, "spec", "manualSelector"));
        Assert.Equal("TerminatingOrFailed", S(job, "spec", "podReplacementPolicy"));

        job.Uid = "0b5a0a9e-1d1c-4d6c-9a55-2f6f3b0e6a11";
        CreateDefaults.Apply(job);
        Assert.Equal("""{"batch.kubernetes.io/controller-uid":"0b5a0a9e-1d1c-4d6c-9a55-2f6f3b0e6a11"}""", JsonTree.ToCompactJson(JsonTree.Get(job.Document, "spec", "selector", "matchLabels")));
        var labels = JsonTree.StringMap(JsonTree.Get(job.Document, "spec", "template", "metadata", "labels"));
        Assert.Equal("pi", labels["batch.kubernetes.io/job-name"]);
        Assert.Equal("pi", labels["job-name"]);
        Assert.Equal(job.Uid, labels["controller-uid"]);
        Assert.Equal(job.Uid, labels["batch.kubernetes.io/controller-uid"]);
        Assert.Equal(labels, job.Labels);
    }

    [Fact]
    public void Job_with_only_parallelism_gets_no_completions()
    {
        var job = Defaulted("""{"apiVersion":"batch/v1","kind":"Job","spec":{"parallelism":3,"backoffLimitPerIndex":1}}""");
        Assert.Null(JsonTree.Get(job.Document, "spec", "completions"));
        Assert.Equal(3, I(job, "spec", "parallelism"));
        Assert.Equal(int.MaxValue, I(job, "spec", "backoffLimit"));
    }

    [Fact]
    public void CronJob_defaults()
    {
        var cj = Defaulted("""{"apiVersion":"batch/v1","kind":"CronJob","spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"b"}]}}}}}}""");
        Assert.Equal("Allow", S(cj, "spec", "concurrencyPolicy"));
        Assert.False(JsonTree.GetBool(cj.Document, "spec", "suspend"));
        Assert.Equal(3, I(cj, "spec", "successfulJobsHistoryLimit"));
        Assert.Equal(1, I(cj, "spec", "failedJobsHistoryLimit"));
        Assert.Equal("ClusterFirst", S(cj, "spec", "jobTemplate", "spec", "template", "spec", "dnsPolicy"));
        Assert.Null(JsonTree.Get(cj.Document, "spec", "jobTemplate", "spec", "backoffLimit"));
    }

    [Fact]
    public void Service_defaults()
    {
        var svc = Defaulted("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80},{"port":443,"targetPort":"https"}]}}""");
        Assert.Equal("ClusterIP", S(svc, "spec", "type"));
        Assert.Equal("None", S(svc, "spec", "sessionAffinity"));
        Assert.Equal("Cluster", S(svc, "spec", "internalTrafficPolicy"));
        Assert.Null(JsonTree.Get(svc.Document, "spec", "externalTrafficPolicy"));
        Assert.Equal("""[{"port":80,"protocol":"TCP","targetPort":80},{"port":443,"targetPort":"https","protocol":"TCP"}]""", JsonTree.ToCompactJson(JsonTree.Get(svc.Document, "spec", "ports")));
        CreateDefaults.Apply(svc);
        Assert.Equal("SingleStack", S(svc, "spec", "ipFamilyPolicy"));
        Assert.Equal("""["IPv4"]""", JsonTree.ToCompactJson(JsonTree.Get(svc.Document, "spec", "ipFamilies")));

        var lb = Defaulted("""{"apiVersion":"v1","kind":"Service","spec":{"type":"LoadBalancer","sessionAffinity":"ClientIP","ports":[{"port":80}]}}""");
        Assert.Equal("Cluster", S(lb, "spec", "externalTrafficPolicy"));
        Assert.True(JsonTree.GetBool(lb.Document, "spec", "allocateLoadBalancerNodePorts"));
        Assert.Equal(10800, I(lb, "spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"));
    }

    [Fact]
    public void Namespace_defaults_and_create_finalizer()
    {
        var ns = Defaulted("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}""");
        CreateDefaults.Apply(ns);
        Assert.Equal("Active", S(ns, "status", "phase"));
        Assert.Equal("team", ns.Labels["kubernetes.io/metadata.name"]);
        Assert.Equal("""["kubernetes"]""", JsonTree.ToCompactJson(JsonTree.Get(ns.Document, "spec", "finalizers")));
    }

    [Fact]
    public void Secret_string_data_is_encoded_into_data()
    {
        var secret = Defaulted("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"password":"hunter2"}}""");
        Assert.Equal("Opaque", S(secret, "type"));
        Assert.Equal("aHVudGVyMg==", S(secret, "data", "password"));
        Assert.Null(secret.Document["stringData"]);
    }

    [Fact]
    public void Storage_defaults()
    {
        var pvc = Defaulted("""{"apiVersion":"v1","kind":"PersistentVolumeClaim","spec":{}}""");
        Assert.Equal("Filesystem", S(pvc, "spec", "volumeMode"));
        Assert.Equal("Pending", S(pvc, "status", "phase"));
        var pv = Defaulted("""{"apiVersion":"v1","kind":"PersistentVolume","spec":{}}""");
        Assert.Equal("Retain", S(pv, "spec", "persistentVolumeReclaimPolicy"));
    }
}
