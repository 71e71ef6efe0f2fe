using System.Text.Json.Nodes;
using Emulator.Api.Discovery;

namespace Emulator.Fuzzing;

/// <summary>A valid object of every served kind: what the fuzzer mutates, and what updates and patches target.</summary>
public static class SeedObjects
{
    /// <summary>The namespace the fuzzer works in.</summary>
    public const string Namespace = "fuzz";

    /// <summary>The name of the seed object of each kind.</summary>
    public const string SeedName = "seed";

    /// <summary>A valid <paramref name="resource"/> object named <paramref name="name"/>.</summary>
    public static JsonObject For(ApiResource resource, string name = SeedName)
    {
        var metadata = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = "fuzz" }, ["annotations"] = new JsonObject { ["note"] = "seed" } };
        if (resource.Namespaced)
        {
            metadata["namespace"] = Namespace;
        }
        var obj = new JsonObject { ["apiVersion"] = resource.ApiVersion, ["kind"] = resource.Kind, ["metadata"] = metadata };
        foreach (var (field, value) in Body(resource.Kind))
        {
            obj[field] = value;
        }
        return obj;
    }

    private static JsonObject PodSpec() => new()
    {
        ["containers"] = new JsonArray(new JsonObject
        {
            ["name"] = "app",
            ["image"] = "busybox:1.36",
            ["command"] = new JsonArray("sh", "-c", "sleep 3600"),
            ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080, ["protocol"] = "TCP" }),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "10m", ["memory"] = "16Mi" } },
            ["env"] = new JsonArray(new JsonObject { ["name"] = "MODE", ["value"] = "fuzz" }),
        }),
        ["restartPolicy"] = "Always",
        ["terminationGracePeriodSeconds"] = 1,
    };

    private static JsonObject Template(JsonObject? spec = null) => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "fuzz" } },
        ["spec"] = spec ?? PodSpec(),
    };

    private static JsonObject Selector() => new() { ["matchLabels"] = new JsonObject { ["app"] = "fuzz" } };

    private static IEnumerable<(string Field, JsonNode Value)> Body(string kind)
    {
        switch (kind)
        {
            case "Pod":
                yield return ("spec", PodSpec());
                break;
            case "Deployment" or "ReplicaSet":
                yield return ("spec", new JsonObject { ["replicas"] = 1, ["selector"] = Selector(), ["template"] = Template() });
                break;
            case "StatefulSet":
                yield return ("spec", new JsonObject { ["replicas"] = 1, ["serviceName"] = "seed", ["selector"] = Selector(), ["template"] = Template() });
                break;
            case "DaemonSet":
                yield return ("spec", new JsonObject { ["selector"] = Selector(), ["template"] = Template() });
                break;
            case "Job":
                var jobSpec = PodSpec();
                jobSpec["restartPolicy"] = "Never";
                yield return ("spec", new JsonObject { ["completions"] = 1, ["parallelism"] = 1, ["backoffLimit"] = 1, ["template"] = Template(jobSpec) });
                break;
            case "CronJob":
                var cronSpec = PodSpec();
                cronSpec["restartPolicy"] = "OnFailure";
                yield return ("spec", new JsonObject
                {
                    ["schedule"] = "*/5 * * * *",
                    ["suspend"] = true,
                    ["jobTemplate"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = Template(cronSpec) } },
                });
                break;
            case "Service":
                yield return ("spec", new JsonObject
                {
                    ["selector"] = new JsonObject { ["app"] = "fuzz" },
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = 8080, ["protocol"] = "TCP" }),
                });
                break;
            case "ConfigMap":
                yield return ("data", new JsonObject { ["key"] = "value", ["other"] = "line1\nline2" });
                break;
            case "Secret":
                yield return ("type", "Opaque");
                yield return ("data", new JsonObject { ["password"] = "c2VjcmV0" });
                break;
            case "PersistentVolumeClaim":
                yield return ("spec", new JsonObject
                {
                    ["accessModes"] = new JsonArray("ReadWriteOnce"),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
                });
                break;
            case "PersistentVolume":
                yield return ("spec", new JsonObject
                {
                    ["capacity"] = new JsonObject { ["storage"] = "1Gi" },
                    ["accessModes"] = new JsonArray("ReadWriteOnce"),
                    ["hostPath"] = new JsonObject { ["path"] = "/tmp/fuzz" },
                    ["persistentVolumeReclaimPolicy"] = "Retain",
                });
                break;
            case "StorageClass":
                yield return ("provisioner", "example.com/fuzz");
                break;
            case "Endpoints":
                yield return ("subsets", new JsonArray(new JsonObject
                {
                    ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "10.244.1.5" }),
                    ["ports"] = new JsonArray(new JsonObject { ["port"] = 8080 }),
                }));
                break;
            case "Lease":
                yield return ("spec", new JsonObject { ["holderIdentity"] = "fuzz", ["leaseDurationSeconds"] = 40 });
                break;
            case "ControllerRevision":
                yield return ("revision", 1);
                yield return ("data", new JsonObject { ["spec"] = new JsonObject() });
                break;
            case "Event":
                yield return ("involvedObject", new JsonObject { ["kind"] = "Pod", ["name"] = "seed", ["namespace"] = Namespace });
                yield return ("reason", "Fuzzing");
                yield return ("message", "a seed event");
                yield return ("type", "Normal");
                break;
            case "ServiceAccount":
                yield return ("automountServiceAccountToken", true);
                yield return ("imagePullSecrets", new JsonArray(new JsonObject { ["name"] = "registry" }));
                break;
            case "ReplicationController":
                yield return ("spec", new JsonObject { ["replicas"] = 1, ["selector"] = new JsonObject { ["app"] = "fuzz" }, ["template"] = Template() });
                break;
            case "PodTemplate":
                yield return ("template", Template());
                break;
            case "ResourceQuota":
                yield return ("spec", new JsonObject { ["hard"] = new JsonObject { ["pods"] = "10", ["requests.cpu"] = "1", ["limits.memory"] = "1Gi" } });
                break;
            case "LimitRange":
                yield return ("spec", new JsonObject
                {
                    ["limits"] = new JsonArray(new JsonObject
                    {
                        ["type"] = "Container",
                        ["max"] = new JsonObject { ["cpu"] = "1" },
                        ["min"] = new JsonObject { ["cpu"] = "10m" },
                        ["defaultRequest"] = new JsonObject { ["cpu"] = "100m" },
                    }),
                });
                break;
            case "Role" or "ClusterRole":
                yield return ("rules", new JsonArray(new JsonObject
                {
                    ["apiGroups"] = new JsonArray(""),
                    ["resources"] = new JsonArray("pods"),
                    ["verbs"] = new JsonArray("get", "list", "watch"),
                }));
                break;
            case "RoleBinding" or "ClusterRoleBinding":
                yield return ("subjects", new JsonArray(
                    new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "default", ["namespace"] = Namespace },
                    new JsonObject { ["kind"] = "User", ["apiGroup"] = "rbac.authorization.k8s.io", ["name"] = "jane" }));
                yield return ("roleRef", new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "view" });
                break;
            case "Ingress":
                yield return ("spec", new JsonObject
                {
                    ["ingressClassName"] = "emulator",
                    ["rules"] = new JsonArray(new JsonObject
                    {
                        ["host"] = "fuzz.example.com",
                        ["http"] = new JsonObject
                        {
                            ["paths"] = new JsonArray(new JsonObject
                            {
                                ["path"] = "/",
                                ["pathType"] = "Prefix",
                                ["backend"] = new JsonObject { ["service"] = new JsonObject { ["name"] = "seed", ["port"] = new JsonObject { ["number"] = 80 } } },
                            }),
                        },
                    }),
                    ["tls"] = new JsonArray(new JsonObject { ["hosts"] = new JsonArray("fuzz.example.com"), ["secretName"] = "tls" }),
                });
                break;
            case "IngressClass":
                yield return ("spec", new JsonObject { ["controller"] = "example.com/ingress" });
                break;
            case "NetworkPolicy":
                yield return ("spec", new JsonObject
                {
                    ["podSelector"] = Selector(),
                    ["ingress"] = new JsonArray(new JsonObject
                    {
                        ["from"] = new JsonArray(new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "10.0.0.0/8", ["except"] = new JsonArray("10.1.0.0/16") } }),
                        ["ports"] = new JsonArray(new JsonObject { ["protocol"] = "TCP", ["port"] = 80, ["endPort"] = 90 }),
                    }),
                    ["policyTypes"] = new JsonArray("Ingress"),
                });
                break;
            case "PodDisruptionBudget":
                yield return ("spec", new JsonObject { ["minAvailable"] = "50%", ["selector"] = Selector() });
                break;
            case "PriorityClass":
                yield return ("value", 1000);
                yield return ("description", "fuzz");
                break;
            case "HorizontalPodAutoscaler":
                yield return ("spec", new JsonObject
                {
                    ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "seed" },
                    ["minReplicas"] = 1,
                    ["maxReplicas"] = 3,
                });
                break;
            case "RuntimeClass":
                yield return ("handler", "runc");
                break;
            case "CSIDriver":
                yield return ("spec", new JsonObject { ["attachRequired"] = false, ["volumeLifecycleModes"] = new JsonArray("Persistent") });
                break;
            case "CSINode":
                yield return ("spec", new JsonObject { ["drivers"] = new JsonArray(new JsonObject { ["name"] = "csi.example.com", ["nodeID"] = "node-1" }) });
                break;
            case "VolumeAttachment":
                yield return ("spec", new JsonObject { ["attacher"] = "csi.example.com", ["nodeName"] = "node-1", ["source"] = new JsonObject { ["persistentVolumeName"] = "pv-1" } });
                break;
            case "CertificateSigningRequest":
                yield return ("spec", new JsonObject
                {
                    ["request"] = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K",
                    ["signerName"] = "kubernetes.io/kube-apiserver-client",
                    ["usages"] = new JsonArray("client auth"),
                });
                break;
            case "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration":
                yield return ("webhooks", new JsonArray(new JsonObject
                {
                    ["name"] = "seed.fuzz.example.com",
                    ["clientConfig"] = new JsonObject { ["url"] = "https://webhook.example.com/validate" },
                    // CONNECT only: the webhook is never reachable, and a configuration matching the fuzzed writes
                    // would (rightly) fail them with a 500.
                    ["rules"] = new JsonArray(new JsonObject
                    {
                        ["operations"] = new JsonArray("CONNECT"),
                        ["apiGroups"] = new JsonArray(""),
                        ["apiVersions"] = new JsonArray("v1"),
                        ["resources"] = new JsonArray("pods"),
                    }),
                    ["sideEffects"] = "None",
                    ["admissionReviewVersions"] = new JsonArray("v1"),
                    ["timeoutSeconds"] = 5,
                }));
                break;
            case "FlowSchema":
                yield return ("spec", new JsonObject
                {
                    ["priorityLevelConfiguration"] = new JsonObject { ["name"] = "workload-low" },
                    ["matchingPrecedence"] = 5000,
                    ["distinguisherMethod"] = new JsonObject { ["type"] = "ByUser" },
                    ["rules"] = new JsonArray(new JsonObject
                    {
                        ["subjects"] = new JsonArray(new JsonObject { ["kind"] = "Group", ["group"] = new JsonObject { ["name"] = "fuzz" } }),
                        ["nonResourceRules"] = new JsonArray(new JsonObject { ["verbs"] = new JsonArray("get"), ["nonResourceURLs"] = new JsonArray("/healthz") }),
                    }),
                });
                break;
            case "PriorityLevelConfiguration":
                yield return ("spec", new JsonObject
                {
                    ["type"] = "Limited",
                    ["limited"] = new JsonObject
                    {
                        ["nominalConcurrencyShares"] = 5,
                        ["limitResponse"] = new JsonObject { ["type"] = "Queue", ["queuing"] = new JsonObject { ["queues"] = 8, ["handSize"] = 2, ["queueLengthLimit"] = 10 } },
                    },
                });
                break;
            case "ValidatingAdmissionPolicy":
                yield return ("spec", new JsonObject
                {
                    ["matchConstraints"] = new JsonObject
                    {
                        ["resourceRules"] = new JsonArray(new JsonObject
                        {
                            ["apiGroups"] = new JsonArray("apps"),
                            ["apiVersions"] = new JsonArray("v1"),
                            ["operations"] = new JsonArray("CREATE"),
                            ["resources"] = new JsonArray("deployments"),
                        }),
                    },
                    ["validations"] = new JsonArray(new JsonObject { ["expression"] = "object.spec.replicas <= 5" }),
                });
                break;
            case "ValidatingAdmissionPolicyBinding":
                yield return ("spec", new JsonObject { ["policyName"] = "seed", ["validationActions"] = new JsonArray("Deny") });
                break;
            case "CSIStorageCapacity":
                yield return ("storageClassName", "standard");
                yield return ("capacity", "10Gi");
                break;
            case "ServiceCIDR":
                yield return ("spec", new JsonObject { ["cidrs"] = new JsonArray("10.120.0.0/16") });
                break;
            case "SubjectAccessReview" or "LocalSubjectAccessReview":
                yield return ("spec", new JsonObject
                {
                    ["user"] = "jane",
                    ["resourceAttributes"] = new JsonObject { ["namespace"] = Namespace, ["verb"] = "get", ["resource"] = "pods" },
                });
                break;
            case "SelfSubjectAccessReview":
                yield return ("spec", new JsonObject { ["nonResourceAttributes"] = new JsonObject { ["path"] = "/healthz", ["verb"] = "get" } });
                break;
            case "SelfSubjectRulesReview":
                yield return ("spec", new JsonObject { ["namespace"] = Namespace });
                break;
            case "TokenReview":
                yield return ("spec", new JsonObject { ["token"] = "fuzz" });
                break;
        }
    }
}
