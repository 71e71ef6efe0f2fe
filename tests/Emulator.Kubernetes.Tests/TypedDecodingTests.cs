using System.Text.Json.Nodes;
using Emulator.Kubernetes.Decoding;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.Serialization;

namespace Emulator.Kubernetes.Tests;

public class TypedDecodingTests
{
    private static string? ErrorOf(string json, string type = "") =>
        ErrorOfNode(JsonNode.Parse(json)!.AsObject(), type);

    private static string? ErrorOfNode(JsonObject document, string type = "")
    {
        var kind = type.Length > 0 ? type : document["kind"]!.GetValue<string>();
        return TypedDecoder.FindError(document, FieldSchema.Default.Find(kind)!);
    }

    [Fact]
    public void A_string_where_a_container_belongs_is_go_s_unmarshal_error()
    {
        Assert.Equal("json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type v1.Container",
            ErrorOf("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":["nginx"]}}"""));
        Assert.Equal("json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container",
            ErrorOf("""{"kind":"Pod","spec":{"containers":"nginx"}}"""));
        Assert.Equal("json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec",
            ErrorOf("""{"kind":"Pod","spec":"nginx"}"""));
    }

    [Fact]
    public void Maps_of_strings_refuse_lists_and_objects()
    {
        Assert.Equal("json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string",
            ErrorOf("""{"kind":"ConfigMap","data":[1,2]}"""));
        Assert.Equal("json: cannot unmarshal object into Go struct field ObjectMeta.metadata.labels of type string",
            ErrorOf("""{"kind":"ConfigMap","metadata":{"name":"c","labels":{"a":{"b":{}}}}}"""));
        Assert.Equal("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.annotations of type string",
            ErrorOf("""{"kind":"ConfigMap","metadata":{"annotations":{"a":1}}}"""));
        Assert.Equal("json: cannot unmarshal bool into Go struct field PodSpec.spec.template.spec.nodeSelector of type string",
            ErrorOf("""{"kind":"Deployment","spec":{"template":{"spec":{"nodeSelector":{"disk":true}}}}}"""));
    }

    [Theory]
    [InlineData("9223372036854775808")]
    [InlineData("1.5e308")]
    [InlineData("2147483648")]
    [InlineData("1.5")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("-2147483649")]
    public void Int32_fields_refuse_non_integral_and_out_of_range_numbers(string number)
    {
        Assert.Equal($"json: cannot unmarshal number {number} into Go struct field DeploymentSpec.spec.replicas of type int32",
            ErrorOf($$$"""{"kind":"Deployment","spec":{"replicas":{{{number}}}}}"""));
    }

    [Fact]
    public void Int32_and_int64_fields_take_their_whole_range()
    {
        Assert.Null(ErrorOf("""{"kind":"Deployment","spec":{"replicas":2147483647,"minReadySeconds":-2147483648}}"""));
        // terminationGracePeriodSeconds is an int64: beyond int32, within int64.
        Assert.Null(ErrorOf("""{"kind":"Pod","spec":{"terminationGracePeriodSeconds":9223372036854775807}}"""));
        Assert.Equal("json: cannot unmarshal number 9223372036854775808 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64",
            ErrorOf("""{"kind":"Pod","spec":{"terminationGracePeriodSeconds":9223372036854775808}}"""));
        Assert.Equal("json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32",
            ErrorOf("""{"kind":"Service","spec":{"ports":[{"port":80},{"port":"eighty"}]}}"""));
        Assert.Equal("json: cannot unmarshal string into Go struct field ObjectMeta.metadata.generation of type int64",
            ErrorOf("""{"kind":"ConfigMap","metadata":{"generation":"1"}}"""));
    }

    [Fact]
    public void Schema_integers_carry_their_kubernetes_go_types()
    {
        var schema = FieldSchema.Default;
        Assert.Equal("int32", schema.Find("DeploymentSpec")!.Field("replicas")!.Type.GoType);
        Assert.Equal("int64", schema.Find("ObjectMeta")!.Field("generation")!.Type.GoType);
        Assert.Equal("int64", schema.Find("PodSpec")!.Field("activeDeadlineSeconds")!.Type.GoType);
        Assert.Equal("int32", schema.Find("ContainerPort")!.Field("containerPort")!.Type.GoType);
        Assert.Equal("int64", schema.Find("CronJobSpec")!.Field("startingDeadlineSeconds")!.Type.GoType);
        Assert.Equal("[]v1.Container", schema.Find("PodSpec")!.Field("containers")!.Type.GoType);
        Assert.Equal("map[string][]uint8", schema.Find("Secret")!.Field("data")!.Type.GoType);
        Assert.Equal("v1.PodSecurityContext", schema.Find("PodSpec")!.Field("securityContext")!.Type.GoType);
        Assert.Equal("Event", schema.Find("EventsV1Event")!.GoName);
        foreach (var type in schema.Types.Values)
        {
            foreach (var field in type.Fields.Values)
            {
                Assert.NotEqual("integer", field.Type.Name);
            }
        }
    }

    [Fact]
    public void Null_is_the_zero_value_of_any_field()
    {
        Assert.Null(ErrorOf("""
            {"kind":"Pod","metadata":{"name":null,"labels":{"a":null},"creationTimestamp":null},
             "spec":{"containers":[null,{"name":"a","ports":null,"resources":{"limits":{"cpu":null}}}],"securityContext":null,
                     "terminationGracePeriodSeconds":null,"hostNetwork":null}}
            """));
    }

    [Fact]
    public void The_first_type_error_in_document_order_is_reported()
    {
        Assert.Equal("json: cannot unmarshal string into Go struct field ObjectMeta.metadata.generation of type int64",
            ErrorOf("""{"kind":"Deployment","metadata":{"generation":"x"},"spec":{"replicas":"y"}}"""));
        Assert.Equal("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
            ErrorOf("""{"kind":"Deployment","spec":{"replicas":"y"},"metadata":{"generation":"x"}}"""));
    }

    [Fact]
    public void Unknown_fields_and_open_status_extras_are_not_type_checked()
    {
        Assert.Null(ErrorOf("""{"kind":"Deployment","spec":{"foo":[1]},"status":{"anything":{"goes":1},"replicas":3}}"""));
        Assert.Equal("json: cannot unmarshal string into Go struct field DeploymentStatus.status.replicas of type int32",
            ErrorOf("""{"kind":"Deployment","status":{"replicas":"3"}}"""));
    }

    [Fact]
    public void Int_or_string_takes_strings_and_int32s_and_its_own_error_wins()
    {
        Assert.Null(ErrorOf("""{"kind":"Service","spec":{"ports":[{"port":80,"targetPort":"http"},{"port":81,"targetPort":8080}]}}"""));
        Assert.Equal("json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32",
            ErrorOf("""{"kind":"Service","spec":{"ports":[{"targetPort":true}]}}"""));
        // IntOrString.UnmarshalJSON fails at once: its error beats the type error remembered before it.
        Assert.Equal("json: cannot unmarshal number 1.5 into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32",
            ErrorOf("""{"kind":"Deployment","metadata":{"generation":"x"},"spec":{"strategy":{"rollingUpdate":{"maxSurge":1.5}}}}"""));
    }

    [Fact]
    public void Quantities_accept_strings_and_numbers_and_refuse_the_rest()
    {
        Assert.Null(ErrorOf("""{"kind":"Pod","spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":0.5,"memory":"128Mi"},"limits":{"cpu":1}}}]}}"""));
        Assert.Equal(TypedDecoder.QuantityFormatMessage,
            ErrorOf("""{"kind":"Pod","spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"lots"}}}]}}"""));
        Assert.Equal(TypedDecoder.QuantityFormatMessage,
            ErrorOf("""{"kind":"Pod","spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":{"a":1}}}}]}}"""));
    }

    [Fact]
    public void Byte_fields_must_be_base64()
    {
        Assert.Null(ErrorOf("""{"kind":"Secret","data":{"a":"aGVsbG8=","b":"aGVs\nbG8="}}"""));
        Assert.Equal("illegal base64 data at input byte 4", ErrorOf("""{"kind":"Secret","data":{"a":"aGVs!G8="}}"""));
        Assert.Equal("illegal base64 data at input byte 4", ErrorOf("""{"kind":"ConfigMap","binaryData":{"a":"aGVsbG8"}}"""));
        Assert.Equal("json: cannot unmarshal number into Go struct field Secret.data of type []uint8",
            ErrorOf("""{"kind":"Secret","data":{"a":1}}"""));
    }

    [Fact]
    public void Timestamps_are_rfc3339_strings()
    {
        Assert.Null(ErrorOf("""{"kind":"ConfigMap","metadata":{"creationTimestamp":"2025-01-02T03:04:05Z"}}"""));
        Assert.Null(ErrorOf("""{"kind":"Lease","spec":{"renewTime":"2025-01-02T03:04:05.123456+01:00"}}"""));
        Assert.Equal("parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\"",
            ErrorOf("""{"kind":"ConfigMap","metadata":{"creationTimestamp":"yesterday"}}"""));
        Assert.Equal("parsing time \"2025-13-02T03:04:05Z\": month out of range",
            ErrorOf("""{"kind":"ConfigMap","metadata":{"creationTimestamp":"2025-13-02T03:04:05Z"}}"""));
        Assert.Equal("parsing time \"2025-01-02 03:04:05Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \" 03:04:05Z\" as \"T\"",
            ErrorOf("""{"kind":"ConfigMap","metadata":{"creationTimestamp":"2025-01-02 03:04:05Z"}}"""));
        Assert.Equal("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string",
            ErrorOf("""{"kind":"ConfigMap","metadata":{"creationTimestamp":5}}"""));
    }

    [Fact]
    public void Unmodelled_structs_must_be_objects()
    {
        Assert.Null(ErrorOf("""{"kind":"Pod","spec":{"affinity":{"nodeAffinity":{"anything":[1]}}}}"""));
        Assert.Equal("json: cannot unmarshal array into Go struct field PodSpec.spec.affinity of type v1.Affinity",
            ErrorOf("""{"kind":"Pod","spec":{"affinity":[]}}"""));
    }

    [Fact]
    public void Yaml_numbers_are_judged_as_the_api_server_converts_them_to_json()
    {
        var huge = ManifestReader.ReadSingle("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec: {replicas: 1.5e308}
            """);
        Assert.Equal("json: cannot unmarshal number 1.5e+308 into Go struct field DeploymentSpec.spec.replicas of type int32", ErrorOfNode(huge.Document));
        var integral = ManifestReader.ReadSingle("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3.0}\n");
        Assert.Null(ErrorOfNode(integral.Document));
    }

    [Fact]
    public void The_api_server_message_names_the_kind_and_version()
    {
        var kind = KindRegistry.Default.Resolve("apps/v1", "Deployment");
        var document = JsonNode.Parse("""{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":9223372036854775808}}""")!.AsObject();
        var error = Assert.Throws<TypedDecodingException>(() => TypedDecoder.EnsureDecodes(document, kind));
        Assert.Equal("Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number 9223372036854775808 into Go struct field DeploymentSpec.spec.replicas of type int32", error.Message);

        var pod = KindRegistry.Default.Resolve("v1", "Pod");
        var unnamed = JsonNode.Parse("""{"apiVersion":"v1","kind":1,"metadata":{"name":"p"}}""")!.AsObject();
        var typeMeta = Assert.Throws<TypedDecodingException>(() => TypedDecoder.EnsureDecodes(unnamed, pod));
        Assert.Equal("the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string ({\"apiVersion\":\"v1\",\"kind\":1,\"m ...)", typeMeta.Message);
    }

    [Fact]
    public void Realistic_manifests_of_every_kind_decode()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "config", "manifests"), "*.yaml"))
        {
            foreach (var obj in ManifestReader.ReadObjects(File.ReadAllText(file)))
            {
                var kind = KindRegistry.Default.Resolve(obj);
                TypedDecoder.EnsureDecodes(obj.Document, kind);
            }
        }
        var all = ManifestReader.ReadObjects("""
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: c, creationTimestamp: null}
            spec:
              schedule: "*/5 * * * *"
              startingDeadlineSeconds: 100
              jobTemplate:
                spec:
                  backoffLimit: 3
                  activeDeadlineSeconds: 600
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: c
                        image: busybox
                        env: [{name: A, value: "1"}, {name: B, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                        livenessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 10}
                        readinessProbe: {tcpSocket: {port: http}}
                        securityContext: {runAsUser: 1000, privileged: false}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              replicas: 2
              serviceName: db
              selector: {matchLabels: {app: db}}
              updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0, maxUnavailable: 50%}}
              template:
                metadata: {labels: {app: db}}
                spec:
                  tolerations: [{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]
                  volumes: [{name: data, emptyDir: {sizeLimit: 1Gi}}]
                  containers: [{name: db, image: postgres, ports: [{containerPort: 5432, name: pg}]}]
              volumeClaimTemplates:
              - metadata: {name: data}
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: s}
            stringData: {password: hunter2}
            data: {token: dG9rZW4=}
            ---
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata: {name: l}
            spec: {holderIdentity: a, leaseDurationSeconds: 15, renewTime: "2025-01-01T00:00:00.000000Z"}
            ---
            apiVersion: events.k8s.io/v1
            kind: Event
            metadata: {name: e}
            eventTime: "2025-01-01T00:00:00.000000Z"
            regarding: {kind: Pod, name: p}
            deprecatedCount: 2
            """);
        foreach (var obj in all)
        {
            TypedDecoder.EnsureDecodes(obj.Document, KindRegistry.Default.Resolve(obj));
        }
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("aGVsbG8=", null)]
    [InlineData("aGVsbA==", null)]
    [InlineData("aGVsbG8", 4)]
    [InlineData("a", 0)]
    [InlineData("aGVs=G8=", 4)]
    [InlineData("aGVsbA=", 7)]
    [InlineData("aGVsbA==x", 8)]
    public void Base64_errors_point_where_go_points(string text, int? offset)
    {
        Assert.Equal(offset, GoBase64.FindError(text));
    }

    [Fact]
    public void Go_formatting_of_values_in_patch_messages()
    {
        Assert.Equal("1.5e+308", GoFormat.JsonFloat(1.5e308));
        Assert.Equal("3", GoFormat.JsonFloat(3.0));
        Assert.Equal("1e-7", GoFormat.JsonFloat(1e-7));
        Assert.Equal("1e+06", GoFormat.GoFloat(1e6));
        Assert.Equal("123456", GoFormat.GoFloat(123456));
        Assert.Equal("map[spec:map[a:[1 x <nil>] replicas:abc]]", GoFormat.GoValue(JsonNode.Parse("""{"spec":{"replicas":"abc","a":[1,"x",null]}}""")));
        Assert.Equal("{\"a\":\"\\u003cb\\u003e\",\"b\":1}", GoFormat.SortedJson(JsonNode.Parse("""{"b":1,"a":"<b>"}""")));
        Assert.Equal("\"{\\\"a\\\":1}\\n\"", GoFormat.Quote("{\"a\":1}\n"));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "config", "manifests")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new DirectoryNotFoundException("config/manifests");
    }
}
