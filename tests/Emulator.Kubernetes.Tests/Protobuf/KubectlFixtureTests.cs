using System.Text.Json.Nodes;
using Emulator.Kubernetes.Serialization.Protobuf;

namespace Emulator.Kubernetes.Tests.Protobuf;

/// <summary>Bodies captured from kubectl 1.33's <c>create</c> generators (namespace <c>cap</c>).</summary>
public sealed class KubectlFixtureTests
{
    // kubectl create namespace cap
    private const string Namespace = "6b3873000a0f0a02763112094e616d657370616365121b0a130a0363617012001a0022002a0032003800420012001a020a001a002200";

    // kubectl -n cap create configmap c1 --from-literal=a=b --from-literal=empty=
    private const string ConfigMap = "6b3873000a0f0a0276311209436f6e6669674d6170122a0a150a02633112001a0363617022002a0032003800420012060a016112016212090a05656d70747912001a002200";

    // kubectl -n cap create secret generic s --from-literal=a=b
    private const string Secret = "6b3873000a0c0a027631120653656372657412200a140a017312001a0363617022002a0032003800420012060a01611201621a001a002200";

    // kubectl -n cap create deployment web --image nginx --replicas 3 --port 80
    private const string Deployment = "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bb010a220a0377656212001a0363617022002a003200380042005a0a0a0361707012037765621286010803120c0a0a0a0361707012037765621a6c0a1c0a0012001a0022002a003200380042005a0a0a036170701203776562124c122e0a056e67696e7812056e67696e782a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200";

    // kubectl -n cap create deployment zero --image nginx --replicas 0
    private const string DeploymentZero = "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b2010a240a047a65726f12001a0363617022002a003200380042005a0b0a0361707012047a65726f127c0800120d0a0b0a0361707012047a65726f1a610a1d0a0012001a0022002a003200380042005a0b0a0361707012047a65726f124012220a056e67696e7812056e67696e782a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200";

    // kubectl -n cap create job j --image busybox -- sleep 5
    private const string Job = "6b3873000a0f0a0862617463682f763112034a6f621285010a140a016a12001a0363617022002a00320038004200126332610a100a0012001a0022002a00320038004200124d122a0a016a120762757379626f781a05736c6565701a01352a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200";

    // kubectl -n cap create cronjob c --image busybox --schedule "*/1 * * * *"
    private const string CronJob = "6b3873000a130a0862617463682f7631120743726f6e4a6f62129e010a140a016312001a0363617022002a003200380042001283010a0b2a2f31202a202a202a202a1a002a720a110a016312001a0022002a00320038004200125d325b0a100a0012001a0022002a00320038004200124712200a0163120762757379626f782a0042006a007200800100880100900100a201001a094f6e4661696c757265320042004a0052005800600068008201008a01009a0100c201001a001a002200";

    // kubectl -n cap create service clusterip s --tcp=80:8080
    private const string Service = "6b3873000a0d0a02763112075365727669636512660a1e0a017312001a0363617022002a003200380042005a080a0361707012017312400a1b0a0738302d38303830120354435018502207080010903f1a00280012080a036170701201731a002209436c757374657249503a00420052005a00600068001a020a001a002200";

    private static JsonObject Decode(string hex)
    {
        var result = ProtobufDecoder.Decode(Convert.FromHexString(hex));
        Assert.Empty(result.Warnings);
        return result.Object;
    }

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual.ToJsonString()}");

    [Fact]
    public void Namespace_decodes_without_empty_fields_or_a_zero_creation_timestamp() =>
        AssertJson("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"cap"},"spec":{},"status":{}}""", Decode(Namespace));

    [Fact]
    public void ConfigMap_keeps_its_data_including_empty_values() =>
        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1","namespace":"cap"},"data":{"a":"b","empty":""}}""", Decode(ConfigMap));

    [Fact]
    public void Secret_data_is_base64() =>
        AssertJson("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"cap"},"data":{"a":"Yg=="}}""", Decode(Secret));

    [Fact]
    public void Deployment_has_replicas_selector_template_and_container_port() =>
        AssertJson("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"cap","labels":{"app":"web"}},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":80}],"resources":{}}]}},
               "strategy":{}},
             "status":{}}
            """, Decode(Deployment));

    [Fact]
    public void Deployment_with_zero_replicas_keeps_the_present_zero()
    {
        var obj = Decode(DeploymentZero);
        Assert.Equal(0, obj["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public void Job_has_command_and_restart_policy() =>
        AssertJson("""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"cap"},
             "spec":{"template":{"metadata":{},"spec":{"containers":[{"name":"j","image":"busybox","command":["sleep","5"],"resources":{}}],
               "restartPolicy":"Never"}}},
             "status":{}}
            """, Decode(Job));

    [Fact]
    public void CronJob_has_schedule_and_job_template() =>
        AssertJson("""
            {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c","namespace":"cap"},
             "spec":{"schedule":"*/1 * * * *","jobTemplate":{"metadata":{"name":"c"},
               "spec":{"template":{"metadata":{},"spec":{"containers":[{"name":"c","image":"busybox","resources":{}}],
                 "restartPolicy":"OnFailure"}}}}},
             "status":{}}
            """, Decode(CronJob));

    [Fact]
    public void Service_has_ports_with_int_target_port_and_selector() =>
        AssertJson("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"cap","labels":{"app":"s"}},
             "spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],"selector":{"app":"s"},"type":"ClusterIP"},
             "status":{"loadBalancer":{}}}
            """, Decode(Service));
}
