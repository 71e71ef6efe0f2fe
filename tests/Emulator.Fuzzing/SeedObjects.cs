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
        }
    }
}
