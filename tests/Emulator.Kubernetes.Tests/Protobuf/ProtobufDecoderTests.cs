using System.Text.Json.Nodes;
using Emulator.Kubernetes.Serialization.Protobuf;

namespace Emulator.Kubernetes.Tests.Protobuf;

public sealed class ProtobufDecoderTests
{
    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual?.ToJsonString()}");

    private static void Meta(ProtoWriter m, string name) => m.String(1, name).String(2, "").String(3, "default").Message(8, _ => { });

    [Fact]
    public void Object_meta_with_labels_annotations_owner_references_and_time()
    {
        var body = ProtoWriter.Envelope("v1", "ConfigMap", o => o
            .Message(1, m => m
                .String(1, "c1")
                .String(3, "ns")
                .Int(7, 0)
                .Message(8, t => t.Int(1, 1_700_000_000).Int(2, 0))
                .Int(10, 0) // deletionGracePeriodSeconds is a pointer: a present zero stays
                .MapEntry(11, "app", "web")
                .MapEntry(11, "tier", "")
                .MapEntry(12, "note", "x")
                .Message(13, r => r.String(1, "Deployment").String(3, "web").String(4, "u-1").String(5, "apps/v1").Bool(6, true).Bool(7, false))
                .String(14, "f1").String(14, "f2"))
            .MapEntry(2, "k", "v")
            .Message(3, e => e.String(1, "bin").Bytes(2, [0, 1, 2]))
            .Bool(4, false));
        var result = ProtobufDecoder.Decode(body);
        Assert.Empty(result.Warnings);
        AssertJson("""
            {"apiVersion":"v1","kind":"ConfigMap",
             "metadata":{"name":"c1","namespace":"ns","creationTimestamp":"2023-11-14T22:13:20Z","deletionGracePeriodSeconds":0,
               "labels":{"app":"web","tier":""},"annotations":{"note":"x"},
               "ownerReferences":[{"kind":"Deployment","name":"web","uid":"u-1","apiVersion":"apps/v1","controller":true,"blockOwnerDeletion":false}],
               "finalizers":["f1","f2"]},
             "data":{"k":"v"},"binaryData":{"bin":"AAEC"},"immutable":false}
            """, result.Object);
    }

    [Fact]
    public void Deployment_with_strategy_int_or_string_resources_env_and_pull_policy()
    {
        var body = ProtoWriter.Envelope("apps/v1", "Deployment", o => o
            .Message(1, m => Meta(m, "web"))
            .Message(2, s => s
                .Int(1, 0)
                .Message(2, sel => sel.MapEntry(1, "app", "web")
                    .Message(2, r => r.String(1, "tier").String(2, "In").String(3, "a").String(3, "b")))
                .Message(3, t => t
                    .Message(1, m => m.MapEntry(11, "app", "web"))
                    .Message(2, p => p.Message(2, c => c
                        .String(1, "app").String(2, "nginx:1.25")
                        .String(3, "sh").String(4, "-c").String(4, "sleep 1")
                        .Message(6, port => port.String(1, "http").Int(2, 0).Int(3, 8080).String(4, "TCP"))
                        .Message(7, e => e.String(1, "A").String(2, "1"))
                        .Message(7, e => e.String(1, "B").String(2, ""))
                        .Message(8, r => r
                            .Message(1, q => q.String(1, "cpu").Message(2, v => v.String(1, "500m")))
                            .Message(2, q => q.String(1, "memory").Message(2, v => v.String(1, "64Mi"))))
                        .String(14, "IfNotPresent")
                        .Bool(16, false))))
                .Message(4, st => st.String(1, "RollingUpdate").Message(2, ru => ru
                    .Message(1, v => v.Int(1, 1).Int(2, 0).String(3, "25%"))
                    .Message(2, v => v.Int(1, 0).Int(2, 0).String(3, ""))))
                .Int(6, 5)));
        var result = ProtobufDecoder.Decode(body);
        Assert.Empty(result.Warnings);
        AssertJson("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default"},
             "spec":{"replicas":0,
               "selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]},
               "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx:1.25",
                 "command":["sh"],"args":["-c","sleep 1"],
                 "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],
                 "env":[{"name":"A","value":"1"},{"name":"B"}],
                 "resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi"}},
                 "imagePullPolicy":"IfNotPresent"}]}},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":0}},
               "revisionHistoryLimit":5}}
            """, result.Object);
    }

    [Fact]
    public void Service_target_port_as_a_name_and_an_unset_target_port()
    {
        var body = ProtoWriter.Envelope("v1", "Service", o => o
            .Message(1, m => Meta(m, "s"))
            .Message(2, s => s
                .Message(1, p => p.String(1, "web").Int(3, 80).Message(4, t => t.Int(1, 1).String(3, "http")))
                .Message(1, p => p.String(1, "other").Int(3, 81).Message(4, t => t.Int(1, 0).Int(2, 0).String(3, "")).Int(5, 0))
                .String(4, "ClusterIP")));
        AssertJson("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default"},
             "spec":{"ports":[{"name":"web","port":80,"targetPort":"http"},{"name":"other","port":81}],"type":"ClusterIP"}}
            """, ProtobufDecoder.Decode(body).Object);
    }

    [Fact]
    public void CronJob_with_job_template_and_optional_fields()
    {
        var body = ProtoWriter.Envelope("batch/v1", "CronJob", o => o
            .Message(1, m => Meta(m, "c"))
            .Message(2, s => s
                .String(1, "*/1 * * * *")
                .Int(2, 0)
                .String(3, "Forbid")
                .Bool(4, false)
                .Message(5, jt => jt.Message(2, j => j
                    .Int(1, 1).Int(2, 1).Int(7, 0)
                    .Message(6, t => t.Message(2, p => p.String(3, "OnFailure").Message(2, c => c.String(1, "c").String(2, "busybox"))))))
                .Int(6, 3)
                .String(8, "Etc/UTC")));
        AssertJson("""
            {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c","namespace":"default"},
             "spec":{"schedule":"*/1 * * * *","startingDeadlineSeconds":0,"concurrencyPolicy":"Forbid","suspend":false,
               "jobTemplate":{"spec":{"parallelism":1,"completions":1,"backoffLimit":0,
                 "template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}},
               "successfulJobsHistoryLimit":3,"timeZone":"Etc/UTC"}}
            """, ProtobufDecoder.Decode(body).Object);
    }

    [Fact]
    public void Negative_int32_and_int64_values_decode_from_ten_byte_varints()
    {
        var body = ProtoWriter.Envelope("apps/v1", "Deployment", o => o
            .Message(2, s => s.Int(1, -1).Int(6, -7)));
        AssertJson("""{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":-1,"revisionHistoryLimit":-7}}""", ProtobufDecoder.Decode(body).Object);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped_with_warnings()
    {
        var body = ProtoWriter.Envelope("v1", "ConfigMap", o => o
            .Message(1, m => m
                .String(1, "c1")
                .Int(99, 12345)                                  // varint
                .Tag(98, 1).Raw(1, 2, 3, 4, 5, 6, 7, 8)          // fixed64
                .String(97, "ignored")                           // length-delimited
                .Tag(96, 5).Raw(1, 2, 3, 4)                      // fixed32
                .Tag(95, 3).Int(1, 1).Tag(94, 3).Tag(94, 4).Tag(95, 4) // nested groups
                .String(3, "ns"))
            .MapEntry(2, "a", "b")
            .Int(50, 1));
        var result = ProtobufDecoder.Decode(body);
        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1","namespace":"ns"},"data":{"a":"b"}}""", result.Object);
        Assert.Equal(6, result.Warnings.Count);
        Assert.Contains(result.Warnings, w => w.Contains("unknown field 99", StringComparison.Ordinal) && w.Contains("ObjectMeta", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("unknown field 50", StringComparison.Ordinal) && w.Contains("ConfigMap", StringComparison.Ordinal));
    }

    [Fact]
    public void A_known_field_with_the_wrong_wire_type_is_skipped_not_misread()
    {
        var body = ProtoWriter.Envelope("v1", "ConfigMap", o => o
            .Message(1, m => m.Int(1, 42).String(3, "ns")));
        var result = ProtobufDecoder.Decode(body);
        AssertJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"ns"}}""", result.Object);
        Assert.Single(result.Warnings);
        Assert.Contains("name", result.Warnings[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Packed_repeated_integers_are_accepted()
    {
        // PodSecurityContext.supplementalGroups (4) is repeated int64.
        var packed = new ProtoWriter().Varint(1).Varint(1000).ToArray();
        var body = ProtoWriter.Envelope("v1", "Pod", o => o
            .Message(2, s => s.Message(14, sc => sc.Bytes(4, packed).Int(4, 7))));
        var obj = ProtobufDecoder.Decode(body).Object;
        AssertJson("""{"supplementalGroups":[1,1000,7]}""", obj["spec"]!["securityContext"]);
    }

    [Fact]
    public void Unknown_kinds_are_unsupported_and_named()
    {
        var body = ProtoWriter.Envelope("apiextensions.k8s.io/v1", "CustomResourceDefinition", o => o.Message(1, m => m.String(1, "r")));
        var e = Assert.Throws<ProtobufUnsupportedException>(() => ProtobufDecoder.Decode(body));
        Assert.Equal("CustomResourceDefinition", e.Kind);
        Assert.Contains("CustomResourceDefinition", e.Message, StringComparison.Ordinal);
        Assert.Contains("apiextensions.k8s.io/v1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encoded_payloads_are_unsupported()
    {
        var body = ProtoWriter.Envelope("v1", "ConfigMap", o => o.Message(1, m => m.String(1, "c")), contentEncoding: "gzip");
        Assert.Throws<ProtobufUnsupportedException>(() => ProtobufDecoder.Decode(body));
    }

    [Theory]
    [InlineData("")]
    [InlineData("6b3873")]
    [InlineData("7b7d")]
    [InlineData("6b387301")]
    public void Bodies_without_the_magic_prefix_are_malformed(string hex) =>
        Assert.Throws<ProtobufFormatException>(() => ProtobufDecoder.Decode(Convert.FromHexString(hex)));

    [Fact]
    public void A_body_without_type_meta_is_malformed() =>
        Assert.Throws<ProtobufFormatException>(() => ProtobufDecoder.Decode(new ProtoWriter().Raw(0x6B, 0x38, 0x73, 0x00).Bytes(2, []).ToArray()));

    [Fact]
    public void Every_truncation_of_a_valid_body_fails_cleanly_or_decodes()
    {
        var body = ProtoWriter.Envelope("apps/v1", "Deployment", o => o
            .Message(1, m => Meta(m, "web"))
            .Message(2, s => s.Int(1, 3).Message(3, t => t.Message(2, p => p.Message(2, c => c.String(1, "a").String(2, "b"))))));
        for (var length = 0; length < body.Length; length++)
        {
            var truncated = body[..length];
            try
            {
                ProtobufDecoder.Decode(truncated);
            }
            catch (ProtobufFormatException)
            {
            }
        }
        var whole = ProtobufDecoder.Decode(body).Object;
        Assert.Equal("b", whole["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("0a")]             // tag then nothing
    [InlineData("0a05616263")]     // length 5, 3 bytes left
    [InlineData("08ffffffffffffffffffff01")] // varint longer than 10 bytes
    [InlineData("0b")]             // group never ended
    [InlineData("0e00")]           // wire type 6
    [InlineData("0000")]           // field number 0
    public void Malformed_object_bytes_are_format_errors(string objectHex)
    {
        var body = new ProtoWriter().Raw(0x6B, 0x38, 0x73, 0x00)
            .Message(1, t => t.String(1, "v1").String(2, "ConfigMap"))
            .Bytes(2, Convert.FromHexString(objectHex)).ToArray();
        Assert.Throws<ProtobufFormatException>(() => ProtobufDecoder.Decode(body));
    }

    [Fact]
    public void Deeply_nested_unknown_groups_do_not_overflow_the_stack()
    {
        var w = new ProtoWriter();
        for (var i = 0; i < 10_000; i++)
        {
            w.Tag(90, 3);
        }
        var body = new ProtoWriter().Raw(0x6B, 0x38, 0x73, 0x00)
            .Message(1, t => t.String(1, "v1").String(2, "ConfigMap"))
            .Bytes(2, w.ToArray()).ToArray();
        Assert.Throws<ProtobufFormatException>(() => ProtobufDecoder.Decode(body));
    }

    [Fact]
    public void Controller_revision_data_is_embedded_json()
    {
        var body = ProtoWriter.Envelope("apps/v1", "ControllerRevision", o => o
            .Message(1, m => m.String(1, "r1"))
            .Message(2, d => d.String(1, """{"spec":{"replicas":1}}"""))
            .Int(3, 2));
        AssertJson("""{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r1"},"data":{"spec":{"replicas":1}},"revision":2}""",
            ProtobufDecoder.Decode(body).Object);
    }

    [Fact]
    public void Micro_time_keeps_microseconds()
    {
        var body = ProtoWriter.Envelope("coordination.k8s.io/v1", "Lease", o => o
            .Message(2, s => s.String(1, "holder").Message(4, t => t.Int(1, 1_700_000_000).Int(2, 123_456_789))));
        var obj = ProtobufDecoder.Decode(body).Object;
        Assert.Equal("2023-11-14T22:13:20.123456Z", obj["spec"]!["renewTime"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(1_500L, "1.5µs")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(3_723_500_000_000L, "1h2m3.5s")]
    [InlineData(-2_000_000_000L, "-2s")]
    public void Durations_format_as_go_does(long nanoseconds, string expected) =>
        Assert.Equal(expected, ProtobufDecoder.FormatGoDuration(nanoseconds));

    [Fact]
    public void The_schema_covers_the_generator_kinds_and_every_referenced_message()
    {
        foreach (var (apiVersion, kind) in new[] { ("v1", "Namespace"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"), ("apps/v1", "Deployment"), ("batch/v1", "Job"), ("batch/v1", "CronJob") })
        {
            Assert.NotNull(KubernetesProtobufSchema.FindRoot(apiVersion, kind));
        }
        foreach (var message in KubernetesProtobufSchema.Messages.Values)
        {
            foreach (var field in message.Fields.Values.Where(f => f.MessageType is not null))
            {
                Assert.True(KubernetesProtobufSchema.Messages.ContainsKey(field.MessageType!), $"{message.Name}.{field.JsonName} -> {field.MessageType}");
            }
        }
    }

    [Theory]
    [InlineData("application/vnd.kubernetes.protobuf", true)]
    [InlineData("application/vnd.kubernetes.protobuf; charset=utf-8", true)]
    [InlineData("application/vnd.kubernetes.protobuf;stream=watch", true)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Protobuf_content_types_are_recognised(string? contentType, bool expected) =>
        Assert.Equal(expected, ProtobufDecoder.IsProtobufContentType(contentType));
}
