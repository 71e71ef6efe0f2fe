using System.Text.Json.Nodes;
using Emulator.Kubernetes.Decoding;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Serialization.Protobuf;
using Emulator.Kubernetes.Tests.Protobuf;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests;

public class BuiltInKindsTests
{
    private static KubeObject Prepared(string yaml)
    {
        var obj = ManifestReader.ReadSingle("# test\n" + yaml);
        ObjectDefaulter.Apply(obj);
        return obj;
    }

    private static List<string> Errors(string yaml) => Errors(Prepared(yaml));

    private static List<string> Errors(KubeObject obj) =>
        ObjectValidator.Validate(obj, KindRegistry.Default.Resolve(obj)).Select(e => e.ToString()).ToList();

    private static List<string> UpdateErrors(KubeObject updated, KubeObject old) =>
        ObjectValidator.ValidateUpdate(updated, old, KindRegistry.Default.Resolve(old)).Select(e => e.ToString()).ToList();

    private static string? DecodingError(string json)
    {
        var document = JsonNode.Parse(json)!.AsObject();
        var kind = KindRegistry.Default.Resolve(document["apiVersion"]!.GetValue<string>(), document["kind"]!.GetValue<string>());
        return TypedDecoder.FindError(document, FieldSchema.Default.Find(kind.SchemaType)!);
    }

    [Theory]
    [InlineData("sa", "", "v1", "ServiceAccount", "serviceaccounts", true, "")]
    [InlineData("rc", "", "v1", "ReplicationController", "replicationcontrollers", true, "all")]
    [InlineData("podtemplates", "", "v1", "PodTemplate", "podtemplates", true, "")]
    [InlineData("quota", "", "v1", "ResourceQuota", "resourcequotas", true, "")]
    [InlineData("limits", "", "v1", "LimitRange", "limitranges", true, "")]
    [InlineData("roles", "rbac.authorization.k8s.io", "v1", "Role", "roles", true, "")]
    [InlineData("clusterroles", "rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, "")]
    [InlineData("rolebindings", "rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, "")]
    [InlineData("clusterrolebindings", "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, "")]
    [InlineData("ing", "networking.k8s.io", "v1", "Ingress", "ingresses", true, "")]
    [InlineData("ingressclasses", "networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, "")]
    [InlineData("netpol", "networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, "")]
    [InlineData("pdb", "policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, "")]
    [InlineData("pc", "scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, "")]
    [InlineData("hpa", "autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, "all")]
    [InlineData("runtimeclasses", "node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false, "")]
    [InlineData("csidrivers", "storage.k8s.io", "v1", "CSIDriver", "csidrivers", false, "")]
    [InlineData("csinodes", "storage.k8s.io", "v1", "CSINode", "csinodes", false, "")]
    [InlineData("volumeattachments", "storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", false, "")]
    [InlineData("csr", "certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", false, "")]
    [InlineData("mutatingwebhookconfigurations", "admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false, "api-extensions")]
    [InlineData("validatingwebhookconfigurations", "admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false, "api-extensions")]
    public void Each_kind_is_served_as_kubectl_api_resources_lists_it_on_1_33(string typed, string group, string version, string kind, string resource, bool namespaced, string category)
    {
        var info = KindRegistry.Default.FindByAnyName(typed)!;
        Assert.Equal((group, version, kind, resource, namespaced), (info.Group, info.Version, info.Kind, info.Resource, info.Namespaced));
        Assert.Equal(category.Length == 0 ? [] : [category], info.Categories);
        Assert.NotNull(FieldSchema.Default.Find(info.SchemaType));
    }

    [Fact]
    public void Field_types_are_checked_as_the_go_structs_decode_them()
    {
        Assert.Equal("json: cannot unmarshal number 3000000000 into Go struct field PriorityClass.value of type int32",
            DecodingError("""{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"p"},"value":3000000000}"""));
        Assert.Equal("json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string",
            DecodingError("""{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},"rules":[{"verbs":"get"}]}"""));
        Assert.Equal("json: cannot unmarshal string into Go struct field ServiceBackendPort.spec.defaultBackend.service.port.number of type int32",
            DecodingError("""{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"},"spec":{"defaultBackend":{"service":{"name":"s","port":{"number":"80"}}}}}"""));
        Assert.Null(DecodingError("""{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"p"},"spec":{"minAvailable":"50%","maxUnavailable":1}}"""));
    }

    [Fact]
    public void Pods_mount_the_projected_service_account_token_as_1_33_does()
    {
        var pod = Prepared("{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: team, uid: 1234}, spec: {initContainers: [{name: init, image: busybox}], containers: [{name: app, image: nginx}]}}");
        CreateDefaults.Apply(pod);
        var spec = pod.Spec!;
        Assert.Equal("default", JsonTree.GetString(spec, "serviceAccountName"));
        Assert.Equal("default", JsonTree.GetString(spec, "serviceAccount"));
        var volume = Assert.Single(JsonTree.Objects(spec["volumes"] as JsonArray));
        var name = JsonTree.GetString(volume, "name")!;
        Assert.Matches("^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$", name);
        Assert.Equal(
            """{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}""",
            JsonTree.ToCompactJson(volume["projected"]));
        foreach (var list in new[] { "initContainers", "containers" })
        {
            var mount = Assert.Single(JsonTree.Objects(JsonTree.GetArray(spec, list, "0", "volumeMounts") ?? (JsonArray)spec[list]![0]!["volumeMounts"]!));
            Assert.Equal($$"""{"name":"{{name}}","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}""", JsonTree.ToCompactJson(mount));
        }

        // The same pod (same uid) always gets the same volume name; the result stays valid and defaulting keeps it.
        var again = Prepared("{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: team, uid: 1234}, spec: {containers: [{name: app, image: nginx}]}}");
        CreateDefaults.Apply(again);
        Assert.Equal(name, JsonTree.GetString(again.Spec, "volumes", "0", "name") ?? JsonTree.GetString((JsonObject)again.Spec!["volumes"]![0]!, "name"));
        ObjectDefaulter.Apply(pod);
        Assert.Empty(Errors(pod));
    }

    [Fact]
    public void The_token_is_not_mounted_when_the_pod_opts_out_or_mounts_the_path_itself()
    {
        var optedOut = Prepared("{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: team}, spec: {automountServiceAccountToken: false, serviceAccountName: robot, containers: [{name: app, image: nginx}]}}");
        CreateDefaults.Apply(optedOut);
        Assert.Null(optedOut.Spec!["volumes"]);
        Assert.Equal("robot", JsonTree.GetString(optedOut.Spec, "serviceAccount"));

        var own = Prepared("""
            {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: team}, spec: {
              volumes: [{name: mine, emptyDir: {}}],
              containers: [{name: app, image: nginx, volumeMounts: [{name: mine, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]}]}}
            """);
        CreateDefaults.Apply(own);
        Assert.Equal(["mine"], JsonTree.Objects(own.Spec!["volumes"] as JsonArray).Select(v => JsonTree.GetString(v, "name")));
    }

    [Fact]
    public void ReplicationController_defaults_its_selector_labels_and_replicas_and_validates_its_template()
    {
        var rc = Prepared("{apiVersion: v1, kind: ReplicationController, metadata: {name: web, namespace: default}, spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: nginx, image: nginx}]}}}}");
        Assert.Equal("""{"app":"web"}""", JsonTree.ToCompactJson(rc.Spec!["selector"]));
        Assert.Equal("""{"app":"web"}""", JsonTree.ToCompactJson(rc.Metadata["labels"]));
        Assert.Equal(1, JsonTree.GetInt(rc.Spec, "replicas"));
        Assert.Equal("Always", JsonTree.GetString(rc.Spec, "template", "spec", "restartPolicy"));
        Assert.Empty(Errors(rc));

        Assert.Equal(
        [
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
        ], Errors("{apiVersion: v1, kind: ReplicationController, metadata: {name: web, namespace: default}, spec: {replicas: -1, selector: {app: api}, template: {metadata: {labels: {app: web}}, spec: {restartPolicy: Never, containers: [{name: nginx, image: nginx}]}}}}"));
        Assert.Equal(["spec.selector: Required value", "spec.template: Required value"],
            Errors("{apiVersion: v1, kind: ReplicationController, metadata: {name: web, namespace: default}, spec: {replicas: 1}}"));
    }

    [Fact]
    public void Rbac_rules_and_bindings_are_validated_with_kubernetes_wording()
    {
        Assert.Equal(
        [
            "rules[0].verbs: Required value: verbs must contain at least one value",
            "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
            "rules[0].resources: Required value: resource rules must supply at least one resource",
            "rules[1].nonResourceURLs: Invalid value: [\"/healthz\"]: namespaced rules cannot apply to non-resource URLs",
        ], Errors("{apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: r, namespace: default}, rules: [{}, {verbs: [get], nonResourceURLs: [/healthz]}]}"));
        Assert.Empty(Errors("{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: \"system:metrics-reader\"}, rules: [{verbs: [get], nonResourceURLs: [/metrics]}]}"));
        Assert.Equal(["metadata.name: Invalid value: \"a/b\": may not contain '/'"],
            Errors("{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: a/b}}"));

        var binding = Prepared("{apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: b, namespace: default}, roleRef: {kind: Role, name: r}, subjects: [{kind: User, name: jane}, {kind: ServiceAccount, name: robot}]}");
        Assert.Equal("rbac.authorization.k8s.io", JsonTree.GetString(binding.Document, "roleRef", "apiGroup"));
        Assert.Equal("rbac.authorization.k8s.io", JsonTree.GetString((JsonObject)binding.Document["subjects"]![0]!, "apiGroup"));
        Assert.Equal("", JsonTree.GetString((JsonObject)binding.Document["subjects"]![1]!, "apiGroup"));
        Assert.Empty(Errors(binding));

        Assert.Equal(
        [
            "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
            "subjects[0].namespace: Required value",
            "subjects[1].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"",
        ], Errors("{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: b}, roleRef: {kind: Role, name: r}, subjects: [{kind: ServiceAccount, name: robot}, {kind: Robot, name: x}]}"));

        var changed = binding.DeepClone();
        changed.Document["roleRef"]!["name"] = "other";
        Assert.Equal(["roleRef: Invalid value: {\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"other\"}: cannot change roleRef"], UpdateErrors(changed, binding));
    }

    [Fact]
    public void Ingress_requires_a_path_type_absolute_paths_and_one_port()
    {
        Assert.Equal(
        [
            "spec.rules[0].host: Invalid value: \"Bad_Host\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified",
            "spec.rules[0].http.paths[1].path: Invalid value: \"api\": must be an absolute path",
            "spec.rules[0].http.paths[1].backend: Required value: port name or number is required",
        ], Errors("""
            {apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: i, namespace: default}, spec: {rules: [{host: Bad_Host, http: {paths: [
              {path: /, backend: {service: {name: web, port: {number: 80}}}},
              {path: api, pathType: Prefix, backend: {service: {name: web}}}]}}]}}
            """));
        Assert.Equal(["spec: Invalid value: {}: either `defaultBackend` or `rules` must be specified"],
            Errors("{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: i, namespace: default}, spec: {}}"));
        Assert.Empty(Errors("{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: i, namespace: default}, spec: {rules: [{host: \"*.example.com\", http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}]}}]}}"));
    }

    [Fact]
    public void NetworkPolicy_defaults_its_policy_types_and_checks_ports_and_peers()
    {
        var policy = Prepared("{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: np, namespace: default}, spec: {podSelector: {}, egress: [{ports: [{port: 53}]}]}}");
        Assert.Equal("""["Ingress","Egress"]""", JsonTree.ToCompactJson(policy.Spec!["policyTypes"]));
        Assert.Equal("TCP", JsonTree.GetString((JsonObject)policy.Spec["egress"]![0]!["ports"]![0]!, "protocol"));
        Assert.Empty(Errors(policy));
        Assert.Equal(
        [
            "spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
            "spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`",
            "spec.ingress[0].from[0]: Required value: must specify a peer",
            "spec.ingress[0].from[1].ipBlock.cidr: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ], Errors("{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: np, namespace: default}, spec: {podSelector: {}, ingress: [{ports: [{protocol: ICMP, port: 80, endPort: 70}], from: [{}, {ipBlock: {cidr: 10.0.0.0/33}}]}]}}"));
    }

    [Fact]
    public void PodDisruptionBudget_takes_one_of_min_available_and_max_unavailable()
    {
        Assert.Empty(Errors("{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: p, namespace: default}, spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}}"));
        var errors = Errors("{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: p, namespace: default}, spec: {minAvailable: 150%, maxUnavailable: -1}}");
        Assert.Equal(3, errors.Count);
        Assert.EndsWith(": minAvailable and maxUnavailable cannot be both set", errors[0]);
        Assert.Equal("spec.minAvailable: Invalid value: \"150%\": must not be greater than 100%", errors[1]);
        Assert.Equal("spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0", errors[2]);
    }

    [Fact]
    public void PriorityClass_defaults_its_preemption_policy_and_reserves_system_names()
    {
        var pc = Prepared("{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: high}, value: 1000}");
        Assert.Equal("PreemptLowerPriority", JsonTree.GetString(pc.Document, "preemptionPolicy"));
        Assert.Empty(Errors(pc));
        Assert.Equal(["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"],
            Errors("{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: huge}, value: 1000000001}"));
        Assert.Equal(["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"],
            Errors("{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: system-mine}, value: 1}"));
        Assert.Empty(Errors("{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: system-node-critical}, value: 2000001000}"));

        var raised = pc.DeepClone();
        raised.Document["value"] = 2000;
        Assert.Equal(["value: Forbidden: may not be changed in an update."], UpdateErrors(raised, pc));
    }

    [Fact]
    public void HorizontalPodAutoscaler_defaults_to_one_replica_and_80_percent_cpu()
    {
        var hpa = Prepared("{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: h, namespace: default}, spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 5}}");
        Assert.Equal(1, JsonTree.GetInt(hpa.Spec, "minReplicas"));
        Assert.Equal("""[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]""", JsonTree.ToCompactJson(hpa.Spec!["metrics"]));
        Assert.Empty(Errors(hpa));
        Assert.Equal(
        [
            "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`",
            "spec.scaleTargetRef.kind: Required value",
        ], Errors("{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: h, namespace: default}, spec: {scaleTargetRef: {name: web}, minReplicas: 3, maxReplicas: 2}}"));
    }

    [Fact]
    public void LimitRange_fills_container_defaults_and_orders_min_and_max()
    {
        var limits = Prepared("{apiVersion: v1, kind: LimitRange, metadata: {name: l, namespace: default}, spec: {limits: [{type: Container, max: {cpu: '2'}, min: {memory: 64Mi}}]}}");
        var item = (JsonObject)limits.Spec!["limits"]![0]!;
        Assert.Equal("""{"cpu":"2"}""", JsonTree.ToCompactJson(item["default"]));
        Assert.Equal("""{"cpu":"2","memory":"64Mi"}""", JsonTree.ToCompactJson(item["defaultRequest"]));
        Assert.Empty(Errors(limits));
        Assert.Equal(["spec.limits[0].min[cpu]: Invalid value: \"2\": min value 2 is greater than max value 1"],
            Errors("{apiVersion: v1, kind: LimitRange, metadata: {name: l, namespace: default}, spec: {limits: [{type: Pod, min: {cpu: '2'}, max: {cpu: '1'}}]}}"));
    }

    [Fact]
    public void ResourceQuota_and_webhooks_report_kubernetes_messages()
    {
        Assert.Equal(["spec.hard[pods]: Invalid value: \"-1\": must be greater than or equal to 0", "spec.scopes: Invalid value: [\"Sometimes\"]: unsupported scope"],
            Errors("{apiVersion: v1, kind: ResourceQuota, metadata: {name: q, namespace: default}, spec: {hard: {pods: '-1'}, scopes: [Sometimes]}}"));

        var webhooks = Prepared("{apiVersion: admissionregistration.k8s.io/v1, kind: ValidatingWebhookConfiguration, metadata: {name: w}, webhooks: [{name: check, clientConfig: {}, timeoutSeconds: 40}]}");
        var webhook = (JsonObject)webhooks.Document["webhooks"]![0]!;
        Assert.Equal(("Fail", "Equivalent"), (JsonTree.GetString(webhook, "failurePolicy"), JsonTree.GetString(webhook, "matchPolicy")));
        Assert.Equal(
        [
            "webhooks[0].name: Invalid value: \"check\": should be a domain with at least three segments separated by dots",
            "webhooks[0].clientConfig: Required value: exactly one of url or service is required",
            "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
            "webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1",
            "webhooks[0].timeoutSeconds: Invalid value: 40: the timeout value must be between 1 and 30 seconds",
        ], Errors(webhooks));
    }

    [Fact]
    public void Create_resets_the_status_of_budgets_controllers_and_ingresses_to_its_zero_values()
    {
        var pdb = Prepared("{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: p, namespace: default}, spec: {minAvailable: 1}, status: {disruptionsAllowed: 9}}");
        CreateDefaults.Apply(pdb);
        Assert.Equal("""{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}""", JsonTree.ToCompactJson(pdb.Document["status"]));
        var ingress = Prepared("{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: i, namespace: default}, spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}}");
        CreateDefaults.Apply(ingress);
        Assert.Equal("""{"loadBalancer":{}}""", JsonTree.ToCompactJson(ingress.Document["status"]));
    }

    [Fact]
    public void Protobuf_bodies_of_the_new_kinds_decode_with_embedded_structs_inlined()
    {
        // kubectl create ingress sends this: IngressRule embeds IngressRuleValue (json:",inline").
        var body = ProtoWriter.Envelope("networking.k8s.io/v1", "Ingress", o => o
            .Message(1, m => m.String(1, "web").String(3, "default"))
            .Message(2, spec => spec
                .Message(3, rule => rule.String(1, "web.example.com")
                    .Message(2, value => value.Message(1, http => http.Message(1, path => path
                        .String(1, "/")
                        .Message(2, backend => backend.Message(4, service => service.String(1, "web").Message(2, port => port.Int(2, 80))))
                        .String(3, "Prefix")))))
                .String(4, "emulator")));
        var result = ProtobufDecoder.Decode(body);
        Assert.Empty(result.Warnings);
        Assert.Equal(
            """{"rules":[{"host":"web.example.com","http":{"paths":[{"path":"/","backend":{"service":{"name":"web","port":{"number":80}}},"pathType":"Prefix"}]}}],"ingressClassName":"emulator"}""",
            JsonTree.ToCompactJson(result.Object["spec"]));
    }
}
