using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests;

public class ValidationTests
{
    private static KubeObject Prepared(string yaml)
    {
        var obj = ManifestReader.ReadSingle(yaml);
        ObjectDefaulter.Apply(obj);
        return obj;
    }

    private static List<string> Errors(KubeObject obj) =>
        ObjectValidator.Validate(obj, KindRegistry.Default.Resolve(obj)).Select(e => e.ToString()).ToList();

    private static string Deployment(string name = "web", string selector = "{matchLabels: {app: web}}", string labels = "{app: web}", string extraSpec = "", string restartPolicy = "Always") => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: "{{name}}", namespace: default}
        spec:
          selector: {{selector}}
          {{extraSpec}}
          template:
            metadata: {labels: {{labels}}}
            spec:
              restartPolicy: {{restartPolicy}}
              containers: [{name: app, image: nginx}]
        """;

    [Fact]
    public void A_valid_deployment_has_no_errors()
    {
        Assert.Empty(Errors(Prepared(Deployment())));
    }

    [Fact]
    public void Traffic_distribution_accepts_PreferClose_only_as_1_33_does()
    {
        const string service = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"ports":[{"port":80}],"trafficDistribution":"TD"}}""";
        Assert.Empty(Errors(Prepared(service.Replace("TD", "PreferClose", StringComparison.Ordinal))));
        Assert.Equal("spec.trafficDistribution: Unsupported value: \"PreferSameNode\": supported values: \"PreferClose\"",
            Assert.Single(Errors(Prepared(service.Replace("TD", "PreferSameNode", StringComparison.Ordinal)))));
    }

    [Fact]
    public void Invalid_name_uses_the_rfc1123_subdomain_message()
    {
        var errors = Errors(Prepared(Deployment(name: "My_App")));
        Assert.Equal(
            "metadata.name: Invalid value: \"My_App\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            Assert.Single(errors));
    }

    [Fact]
    public void Missing_name_and_generate_name()
    {
        var obj = Prepared(Deployment());
        obj.Name = null;
        Assert.Equal("metadata.name: Required value: name or generateName is required", Assert.Single(Errors(obj)));
    }

    [Fact]
    public void Generate_name_may_end_with_a_dash_but_must_otherwise_be_valid()
    {
        var obj = Prepared(Deployment());
        obj.GenerateName = "web-";
        Assert.Empty(Errors(obj));
        obj.GenerateName = "Web-";
        Assert.StartsWith("metadata.generateName: Invalid value: \"Web-\": a lowercase RFC 1123 subdomain", Assert.Single(Errors(obj)));
    }

    [Fact]
    public void Names_follow_the_rule_of_their_kind()
    {
        var service = Prepared("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"1web","namespace":"default"},"spec":{"ports":[{"port":80}]}}""");
        Assert.Equal(
            "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            Assert.Single(Errors(service)));
        var ns = Prepared("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a.b"}}""");
        Assert.Equal(
            "metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            Assert.Single(Errors(ns)));
        var longName = new string('a', 64);
        var cm = Prepared($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{longName}}}","namespace":"default"}}""");
        Assert.Empty(Errors(cm));
        var sts = Prepared("""{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"NAME","namespace":"default"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}""".Replace("NAME", longName));
        Assert.Equal($"metadata.name: Invalid value: \"{longName}\": must be no more than 63 characters", Assert.Single(Errors(sts)));
    }

    [Fact]
    public void Namespace_scope_is_enforced()
    {
        var pod = Prepared("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"b"}]}}""");
        Assert.Equal("metadata.namespace: Required value", Assert.Single(Errors(pod)));
        var node = Prepared("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"n","namespace":"default"}}""");
        Assert.Equal("metadata.namespace: Forbidden: not allowed on this type", Assert.Single(Errors(node)));
    }

    [Fact]
    public void Label_keys_and_values_are_checked()
    {
        var errors = Errors(Prepared(Deployment(labels: "{app: web, 'bad key': x, good: 'bad value!'}", selector: "{matchLabels: {app: web}}")));
        Assert.Contains("spec.template.metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')", errors);
        Assert.Contains("spec.template.metadata.labels: Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')", errors);
    }

    [Fact]
    public void Annotations_are_limited_to_256_KiB()
    {
        var obj = Prepared(Deployment());
        obj.SetAnnotation("big", new string('x', 262144));
        Assert.Equal("metadata.annotations: Too long: may not be more than 262144 bytes", Assert.Single(Errors(obj)));
    }

    [Fact]
    public void Selector_must_match_template_labels()
    {
        var errors = Errors(Prepared(Deployment(labels: "{app: other}")));
        Assert.Equal("spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`", Assert.Single(errors));
    }

    [Fact]
    public void Missing_selector_reports_required_and_mismatch()
    {
        var obj = Prepared(Deployment());
        obj.Spec!.Remove("selector");
        var errors = Errors(obj);
        Assert.Equal(["spec.selector: Required value", "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"], errors);
    }

    [Fact]
    public void Template_without_labels_prints_null()
    {
        var obj = Prepared(Deployment());
        ((System.Text.Json.Nodes.JsonObject)obj.Spec!["template"]!["metadata"]!).Remove("labels");
        Assert.Equal("spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`", Assert.Single(Errors(obj)));
    }

    [Fact]
    public void Empty_selector_is_invalid_for_deployments()
    {
        var errors = Errors(Prepared(Deployment(selector: "{}")));
        Assert.Equal("spec.selector: Invalid value: {}: empty selector is invalid for deployment", Assert.Single(errors));
    }

    [Fact]
    public void Restart_policy_must_be_always_for_replica_controllers()
    {
        var errors = Errors(Prepared(Deployment(restartPolicy: "Never")));
        Assert.Equal("spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"", Assert.Single(errors));
    }

    [Fact]
    public void Rolling_update_rules()
    {
        var both0 = Errors(Prepared(Deployment(extraSpec: "strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}")));
        Assert.Equal("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0", Assert.Single(both0));
        var over = Errors(Prepared(Deployment(extraSpec: "strategy: {rollingUpdate: {maxUnavailable: 101%}}")));
        Assert.Equal("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"101%\": must not be greater than 100%", Assert.Single(over));
        var recreate = Errors(Prepared(Deployment(extraSpec: "strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}")));
        Assert.Equal("spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'", Assert.Single(recreate));
        var deadline = Errors(Prepared(Deployment(extraSpec: "minReadySeconds: 10\n  progressDeadlineSeconds: 5")));
        Assert.Equal("spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds", Assert.Single(deadline));
        var badPercent = Errors(Prepared(Deployment(extraSpec: "strategy: {rollingUpdate: {maxSurge: abc}}")));
        Assert.Equal("spec.strategy.rollingUpdate.maxSurge: Invalid value: \"abc\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')", Assert.Single(badPercent));
    }

    [Fact]
    public void Container_rules()
    {
        var pod = Prepared("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: default}
            spec:
              containers:
              - name: app
                ports: [{containerPort: 70000}, {containerPort: 80, protocol: HTTP}]
                volumeMounts: [{name: data, mountPath: /data}]
                livenessProbe: {httpGet: {port: 80}, successThreshold: 2}
              - name: app
                image: b
                resources: {limits: {cpu: "1"}, requests: {cpu: "2"}}
            """);
        var errors = Errors(pod);
        Assert.Contains("spec.containers[0].image: Required value", errors);
        Assert.Contains("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive", errors);
        Assert.Contains("spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"", errors);
        Assert.Contains("spec.containers[0].volumeMounts[0].name: Not found: \"data\"", errors);
        Assert.Contains("spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1", errors);
        Assert.Contains("spec.containers[1].name: Duplicate value: \"app\"", errors);
        Assert.Contains("spec.containers[1].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1", errors);
    }

    [Fact]
    public void Deployment_without_template()
    {
        var obj = Prepared("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"web"}}}}""");
        Assert.Equal(
            ["spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`", "spec.template.spec.containers: Required value"],
            Errors(obj));
    }

    [Fact]
    public void Pod_without_containers()
    {
        var pod = Prepared("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{}}""");
        Assert.Equal("spec.containers: Required value", Assert.Single(Errors(pod)));
    }

    [Fact]
    public void Job_restart_policy_and_generated_selector()
    {
        var job = Prepared("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: j, namespace: default}
            spec:
              template:
                spec:
                  containers: [{name: a, image: b}]
            """);
        job.Uid = "11111111-2222-3333-4444-555555555555";
        CreateDefaults.Apply(job);
        Assert.Equal("spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"", Assert.Single(Errors(job)));

        var manual = Prepared("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: j, namespace: default}
            spec:
              selector: {matchLabels: {app: j}}
              template:
                metadata: {labels: {app: j}}
                spec:
                  restartPolicy: Never
                  containers: [{name: a, image: b}]
            """);
        manual.Uid = "11111111-2222-3333-4444-555555555555";
        CreateDefaults.Apply(manual);
        Assert.Equal("spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"j\",\"batch.kubernetes.io/controller-uid\":\"11111111-2222-3333-4444-555555555555\"}}: `selector` not auto-generated", Assert.Single(Errors(manual)));
    }

    [Fact]
    public void CronJob_rules()
    {
        string CronJob(string name, string schedule) => """
            {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"NAME","namespace":"default"},
             "spec":{"schedule":"SCHEDULE","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"a","image":"b"}]}}}}}}
            """.Replace("NAME", name).Replace("SCHEDULE", schedule);
        Assert.Empty(Errors(Prepared(CronJob("c", "*/5 1-3 * jan mon-fri"))));
        Assert.Empty(Errors(Prepared(CronJob("c", "@hourly"))));
        Assert.Equal("spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead", Assert.Single(Errors(Prepared(CronJob("c", "TZ=UTC 0 * * * *")))));
        Assert.Equal("spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61", Assert.Single(Errors(Prepared(CronJob("c", "61 * * * *")))));
        Assert.Equal("spec.schedule: Invalid value: \"* * *\": expected exactly 5 fields, found 3: [* * *]", Assert.Single(Errors(Prepared(CronJob("c", "* * *")))));
        var longName = new string('c', 53);
        Assert.Equal($"metadata.name: Invalid value: \"{longName}\": must be no more than 52 characters", Assert.Single(Errors(Prepared(CronJob(longName, "* * * * *")))));
    }

    [Fact]
    public void Service_rules()
    {
        var svc = Prepared("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"ports":[{"port":80},{"port":0,"name":"b"}],"type":"Magic"}}""");
        var errors = Errors(svc);
        Assert.Contains("spec.ports[0].name: Required value", errors);
        Assert.Contains("spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive", errors);
        Assert.Contains("spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"", errors);
        var noPorts = Prepared("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{}}""");
        Assert.Equal("spec.ports: Required value", Assert.Single(Errors(noPorts)));
        var headless = Prepared("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"clusterIP":"None"}}""");
        Assert.Empty(Errors(headless));
    }

    [Fact]
    public void Deployment_selector_is_immutable()
    {
        var kind = KindRegistry.Default.Resolve("apps/v1", "Deployment");
        var old = Prepared(Deployment());
        var updated = Prepared(Deployment(selector: "{matchLabels: {app: web, v: '2'}}", labels: "{app: web, v: '2'}"));
        var errors = ObjectValidator.ValidateUpdate(updated, old, kind).Select(e => e.ToString()).ToList();
        Assert.Equal("spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"v\":\"2\"}}: field is immutable", Assert.Single(errors));
        var scaled = old.DeepClone();
        scaled.Spec!["replicas"] = 5;
        Assert.Empty(ObjectValidator.ValidateUpdate(scaled, old, kind));
    }

    [Fact]
    public void StatefulSet_updates_only_change_allowed_fields()
    {
        var kind = KindRegistry.Default.Resolve("apps/v1", "StatefulSet");
        var old = Prepared("""{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db","namespace":"default"},"spec":{"serviceName":"db","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}""");
        var scaled = old.DeepClone();
        scaled.Spec!["replicas"] = 3;
        scaled.Spec["template"]!["spec"]!["containers"]![0]!["image"] = "j";
        Assert.Empty(ObjectValidator.ValidateUpdate(scaled, old, kind));
        var renamed = old.DeepClone();
        renamed.Spec!["serviceName"] = "other";
        Assert.Equal(
            "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            Assert.Single(ObjectValidator.ValidateUpdate(renamed, old, kind)).ToString());
    }

    [Fact]
    public void Job_template_is_immutable()
    {
        var kind = KindRegistry.Default.Resolve("batch/v1", "Job");
        var old = Prepared("""{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"default","uid":"u"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"a","image":"b"}]}}}}""");
        CreateDefaults.Apply(old);
        var updated = old.DeepClone();
        updated.Spec!["template"]!["spec"]!["containers"]![0]!["image"] = "c";
        var error = Assert.Single(ObjectValidator.ValidateUpdate(updated, old, kind));
        Assert.Equal("spec.template", error.Field);
        Assert.EndsWith(": field is immutable", error.ToString());
    }

    [Fact]
    public void Service_cluster_ip_may_not_change()
    {
        var kind = KindRegistry.Default.Resolve("v1", "Service");
        var old = Prepared("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default"},"spec":{"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"ports":[{"port":80}]}}""");
        var updated = old.DeepClone();
        updated.Spec!["clusterIP"] = "10.96.0.11";
        updated.Spec["clusterIPs"] = new System.Text.Json.Nodes.JsonArray("10.96.0.11");
        Assert.Equal("spec.clusterIPs[0]: Invalid value: [\"10.96.0.11\"]: may not change once set", Assert.Single(ObjectValidator.ValidateUpdate(updated, old, kind)).ToString());
    }

    [Fact]
    public void Invalid_exception_carries_status_and_kubectl_messages()
    {
        var obj = Prepared(Deployment(labels: "{app: other}", restartPolicy: "Never"));
        var error = Assert.Throws<InvalidObjectException>(() => ObjectValidator.EnsureValid(obj, KindRegistry.Default.Resolve(obj)));
        Assert.Equal(
            "The Deployment \"web\" is invalid: [spec.template.metadata.labels: Invalid value: {\"app\":\"other\"}: `selector` does not match template `labels`, spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"]",
            error.KubectlMessage);
        Assert.StartsWith("Deployment.apps \"web\" is invalid: [", error.Message);
        Assert.Equal([FieldErrorType.FieldValueInvalid, FieldErrorType.FieldValueNotSupported], error.Errors.Select(e => e.Type));
        Assert.Equal("FieldValueNotSupported", error.Errors[1].Reason);
        Assert.Equal("Unsupported value: \"Never\": supported values: \"Always\"", error.Errors[1].Message);
    }

    [Fact]
    public void Single_error_kubectl_message_has_no_brackets()
    {
        Assert.Equal("The Pod \"p\" is invalid: spec.containers: Required value",
            InvalidMessage.ForKubectl("Pod", "p", [FieldError.Required("spec.containers")]));
    }
}
